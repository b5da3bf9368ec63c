"""The web server's routers: ``sparql`` (the SPARQL 1.1 Protocol and the service description),
``pages`` (home page, query UI, Linked Data and ontology pages, diagrams) and ``files`` (dumps,
shapes, VoID, static assets, health). ``icmpd_kg.web.app.create_app`` puts them together; they
share one ``common.Context`` (the configuration, the worker pool, the build in ``dist/``)."""
