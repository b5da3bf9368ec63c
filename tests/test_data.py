"""Competency tests: one ASK per fact of the source, and checks on how the data is kept."""

from __future__ import annotations

import hashlib

import pytest
from rdflib import BNode, Literal, URIRef

from icmpd_kg.core import paths
from icmpd_kg.core.namespaces import PREFIXES
from icmpd_kg.kg.graph import named_graphs

FACTS = {
    "ICMPD's English name as the source writes it": 'organisation:icmpd rdfs:label "International Center for Migration Policy Development"@en',
    "ICMPD's Turkish name": 'organisation:icmpd rdfs:label "Uluslararası Göç Politikaları Geliştirme Merkezi"@tr',
    "acronym": 'organisation:icmpd ikg:acronym "ICMPD"',
    "website": "organisation:icmpd foaf:homepage <https://www.icmpd.org/>",
    "intergovernmental organisation": "organisation:icmpd a ikg:IntergovernmentalOrganisation",
    "founded 1993": 'organisation:icmpd ikg:foundingYear "1993"^^xsd:gYear',
    "on the initiative of Austria and Switzerland": "organisation:icmpd ikg:foundedOnInitiativeOf state:austria, state:switzerland",
    "25th anniversary in 2018": "event:icmpd-25th-anniversary ikg:anniversaryOf organisation:icmpd ; "
    'ikg:anniversaryNumber 25 ; ikg:year "2018"^^xsd:gYear',
    "respect for human rights": "organisation:icmpd ikg:principle principle:respect-for-human-rights",
    "sensitivity to states' needs": "organisation:icmpd ikg:principle principle:sensitivity-to-the-needs-of-states",
    "partnership": "organisation:icmpd ikg:principle principle:partnership",
    "operates in six regions": "organisation:icmpd ikg:operatesIn region:europe, region:eurasia, "
    "region:central-asia, region:middle-east, region:africa, region:latin-america",
    "mandate 1": 'organisation:icmpd ikg:hasMandateStatement [ ikg:listPosition "1"^^xsd:positiveInteger ; '
    'ikg:statementText "Yenilikçi, kapsayıcı ve sürdürülebilir göç politikalarının geliştirilmesini '
    'araştırma"@tr ]',
    "mandate 2": 'organisation:icmpd ikg:hasMandateStatement [ ikg:listPosition "2"^^xsd:positiveInteger ; '
    'ikg:statementText "Kapasite artırma faaliyetleriyle desteklemek"@tr ]',
    "mandate 3": 'organisation:icmpd ikg:hasMandateStatement [ ikg:listPosition "3"^^xsd:positiveInteger ] ',
    "19 member states as of the source's date": "organisation:icmpd ikg:memberStateCount [ ikg:exactValue 19 ; "
    "ikg:asOf [ ikg:dateOf source:icmpd-tr ] ]",
    "Turkey among the members": "organisation:icmpd ikg:hasMemberState state:turkey",
    "more than 200 staff, a lower bound": "organisation:icmpd ikg:staffCount [ ikg:exclusiveLowerBound 200 ]",
    "UN observer status": "organisation:icmpd ikg:hasObserverStatusAt organisation:united-nations",
    "Law No. 6993 of 2017-03-09, in ELI": 'law:turkey-6993 a eli:LegalResource ; eli:id_local "6993" ; '
    'eli:date_document "2017-03-09"^^xsd:date ; eli:date_publication "2017-03-31"^^xsd:date',
    "Official Gazette 30024 of 2017-03-31": 'law:turkey-6993 ikg:publishedIn [ ikg:issueNumber "30024" ; '
    'ikg:publicationDate "2017-03-31"^^xsd:date ; ikg:issueOf gazette:resmi-gazete ]',
    "Turkey party to the founding agreement by the law": "[] ikg:accedingParty state:turkey ; ikg:legalInstrument "
    "law:turkey-6993 ; ikg:agreement [ ikg:foundingAgreementOf organisation:icmpd ]",
    "member since 2018-05-15 as the 17th": "[] org:member state:turkey ; org:organization organisation:icmpd ; "
    'org:memberDuring [ time:hasBeginning [ time:inXSDDate "2018-05-15"^^xsd:date ] ] ; '
    'ikg:memberOrdinal "17"^^xsd:positiveInteger',
    "ICMPD implements its projects in Turkey through the Ankara Office, as the sentence says": "unit:ankara-office "
    "ikg:implementsProjectsIn state:turkey ; org:subOrganizationOf/org:unitOf organisation:icmpd",
    "Ankara Office implements the Turkey projects": "project:pact ikg:implementingUnit unit:ankara-office ; "
    "ikg:implementedBy organisation:icmpd ; ikg:projectCountry state:turkey",
    "Ankara Office under the regional coordination, a unit of ICMPD": "unit:ankara-office org:subOrganizationOf "
    "unit:western-balkans-and-turkey-regional-coordination ; ikg:locatedIn place:ankara . "
    "unit:western-balkans-and-turkey-regional-coordination org:unitOf organisation:icmpd",
    "the work ethic of the ethos sentence": "organisation:icmpd ikg:principle principle:work-ethic",
    "TACSO's civil-society focus": "project:tacso ikg:targetGroup targetgroup:civil-society-organisations",
    "SHIFT's target staff": "project:shift ikg:targetGroup targetgroup:professional-staff-working-on-women",
    "FRIT's entrepreneurship theme": "project:frit ikg:thematicArea theme:entrepreneurship",
    "the source written after July 2019": "source:icmpd-tr-date ikg:dateOf source:icmpd-tr ; "
    'time:after [ time:inXSDgYearMonth "2019-07"^^xsd:gYearMonth ]',
    "staff usable by schema.org consumers": "organisation:icmpd ikg:staffCount [ schema:minValue 201 ]",
    "PACT beneficiary GİGM, theme asylum": "project:pact ikg:beneficiary organisation:gigm ; ikg:thematicArea theme:asylum",
    "SHIFT beneficiary ministry, theme trafficking": "project:shift ikg:beneficiary "
    "organisation:ministry-of-family-labour-and-social-services ; ikg:thematicArea "
    "theme:trafficking-in-human-beings",
    "MIND completed July 2019": 'project:mind ikg:status projectstatus:completed ; ikg:endDate "2019-07"^^xsd:gYearMonth',
    "SIDEM completed July 2019": 'project:sidem ikg:status projectstatus:completed ; ikg:endDate "2019-07"^^xsd:gYearMonth',
    "tally: 6 ongoing": "organisation:icmpd ikg:hasQuantity [ ikg:quantityKind quantitykind:ongoing-projects-in-turkey ; ikg:exactValue 6 ]",
    "tally: 2 done in 2019": "organisation:icmpd ikg:hasQuantity [ ikg:quantityKind "
    "quantitykind:projects-in-turkey-completed-in-2019 ; ikg:exactValue 2 ]",
    "source document": 'source:icmpd-tr dcterms:language "tr" ; dcterms:title ?title ; spdx:checksum [ spdx:checksumValue ?sum ]',
}

PROJECTS = {
    "supreme": (
        "SUPREME",
        "ongoing",
        "Türkiye’de Göç Yönetimini Güçlendirmek amacıyla ilave Politikaların ve Tedbirlerin "
        "Kullanımının Desteklenmesi",
    ),
    "pact": (
        "PACT",
        "ongoing",
        "İltica Alanında GİGM’in Kurumsal Kapasite ve Politika Geliştirilme Süreçlerinin Desteklenmesi",
    ),
    "shift": (
        "SHIFT",
        "ongoing",
        "Aile, Çalışma ve Sosyal Hizmetler Bakanlığı Kadın Alanında Çalışan Mesleki Personelinin "
        "İnsan Ticaretiyle Mücadelede Kapasitesinin Arttırılması",
    ),
    "summit": (
        "SUMMIT",
        "ongoing",
        "Kalkınmaya Duyarlı Sürdürülebilir Göç Yönetimi Politikaları Uygulanmasına Destek",
    ),
    "tacso": (
        "TACSO",
        "ongoing",
        "Sivil Toplum Kuruluşlarının Göç Yönetimi Alanında Kapasitesinin Geliştirilmesi",
    ),
    "frit": (
        "FRIT",
        "ongoing",
        "Sürdürülebilir Sosyo-ekonomik Entegrasyon için Girişimcilik Kapasitelerinin İyileştirilmesi",
    ),
    "mind": ("MIND", "completed", "Türkiye’de Göç Politikalarının Geliştirilmesinin Desteklenmesi"),
    "sidem": ("SIDEM", "completed", "Türkiye’de Kalkınmaya Duyarlı Göç Politikalarının Uygulanmasına Destek"),
}


def ask(graph, pattern: str) -> bool:
    prefixes = "\n".join(f"PREFIX {k}: <{v}>" for k, v in PREFIXES.items())
    return bool(graph.query(f"{prefixes}\nASK {{ {pattern} }}").askAnswer)


@pytest.mark.parametrize("fact", sorted(FACTS))
def test_fact(union, fact):
    assert ask(union, FACTS[fact]), f"missing: {fact}"


def test_staff_is_not_an_exact_200(union):
    assert not ask(union, "?q ikg:exactValue 200")


@pytest.mark.parametrize("slug", sorted(PROJECTS))
def test_project(union, slug):
    acronym, status, title = PROJECTS[slug]
    assert ask(
        union,
        f'project:{slug} a ikg:Project ; ikg:acronym "{acronym}" ; rdfs:label "{title}"@tr ; '
        f"ikg:status projectstatus:{status} ; rdfs:label ?en . FILTER(LANG(?en) = 'en-t-tr')",
    )
    assert title in paths.SOURCE_FILE.read_text(encoding="utf-8").replace("\xa0", " "), (
        "title must be verbatim"
    )


def test_eight_projects_six_ongoing_two_completed(union):
    rows = union.query("""PREFIX ikg: <https://w3id.org/icmpd-kg/ontology#>
        SELECT ?s (COUNT(?p) AS ?n) WHERE { ?p a ikg:Project ; ikg:status ?s } GROUP BY ?s""")
    counts = {str(r.s).rsplit("/", 1)[1]: int(r.n) for r in rows}
    assert counts == {"ongoing": 6, "completed": 2}


def test_no_blank_nodes_in_data(kg):
    blank = [t for t in kg.data.quads((None, None, None, None)) if any(isinstance(x, BNode) for x in t[:3])]
    assert blank == []


def test_all_records_under_one_base(union):
    for s in set(union.subjects()):
        assert str(s).startswith("https://w3id.org/icmpd-kg/"), s


def test_english_is_source_words_translation_or_editorial(kg):
    """English in a fact graph is the source's own words; every translation is tagged en-t-tr
    (BCP 47: translated from Turkish) and sits in the translation graph; plain @en elsewhere is the
    editors' own (expanded names, descriptions), never in a fact graph unless the source says it."""
    translation = URIRef("https://w3id.org/icmpd-kg/id/graph/translation-en")
    editorial = set(kg.union.subjects(None, URIRef("https://w3id.org/icmpd-kg/ontology#EditorialGraph")))
    text = paths.SOURCE_FILE.read_text(encoding="utf-8")
    translations = 0
    for name, graph in named_graphs(kg.data).items():
        for s, _, o in graph:
            if not isinstance(o, Literal) or not o.language or not o.language.startswith("en"):
                continue
            if o.language == "en-t-tr":
                assert name == translation, (name, s, o)
                translations += 1
            else:
                assert name in editorial or str(o) in text, (name, s, o)
            if name == translation:
                assert o.language == "en-t-tr", (s, o)
    assert translations > 50


def test_translations_stay_marked_in_the_merged_dumps(dist):
    """Where graphs are gone (Turtle, N-Triples), the tag still says what is a translation."""
    from rdflib import Graph

    merged = Graph().parse(dist / "icmpd-kg.nt", format="nt")
    tags = {o.language for o in merged.objects() if isinstance(o, Literal) and o.language}
    assert "en-t-tr" in tags
    sidem = URIRef("https://w3id.org/icmpd-kg/id/project/sidem")
    assert {
        o.language for o in merged.objects(sidem, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    } == {"tr", "en-t-tr"}


def test_turkish_fact_labels_are_source_words(kg):
    """Turkish labels in fact graphs are words of the source (no-break spaces aside)."""
    text = paths.SOURCE_FILE.read_text(encoding="utf-8").replace("\xa0", " ")
    editorial = set(kg.union.subjects(None, URIRef("https://w3id.org/icmpd-kg/ontology#EditorialGraph")))
    for name, graph in named_graphs(kg.data).items():
        if name in editorial:
            continue
        for _, _, o in graph:
            if isinstance(o, Literal) and o.language == "tr":
                assert str(o) in text, (name, o)


# SHA-256 of the source document the project was given (its ground truth), recorded here: the
# bundled copy in data/source/ must be that document, byte for byte, in any clone.
SOURCE_SHA256 = "c0f8e4444cb95009c98d73389ae673fbb69a28cefd707793842dbcc905fb97b6"


def test_bundled_source_is_the_given_source():
    assert hashlib.sha256(paths.SOURCE_FILE.read_bytes()).hexdigest() == SOURCE_SHA256


def test_recorded_checksum_is_the_files(union):
    digest = hashlib.sha256(paths.SOURCE_FILE.read_bytes()).hexdigest()
    assert ask(union, f'source:icmpd-tr spdx:checksum [ spdx:checksumValue "{digest}"^^xsd:hexBinary ]')


def test_a_fact_dated_after_the_sources_lower_bound_validates(tmp_path):
    """The source is "not before July 2019", a lower bound: SUMMIT's public start, August 2019, in an
    editorial graph of its own, contradicts nothing (a rule once read the bound as an upper one)."""
    from icmpd_kg.validation.validate import validate_files

    later = tmp_path / "summit-start.trig"
    later.write_text(
        "@prefix ikg: <https://w3id.org/icmpd-kg/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix graph: <https://w3id.org/icmpd-kg/id/graph/> . @prefix project: <https://w3id.org/icmpd-kg/id/project/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix agent: <https://w3id.org/icmpd-kg/id/agent/> . @prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix fact: <https://w3id.org/icmpd-kg/id/fact/> .\n"
        'graph:derived-summit-start a ikg:EditorialGraph ; rdfs:label "SUMMIT\'in başlangıcı"@tr , "SUMMIT\'s start"@en ;\n'
        '  dcterms:description "A test."@en , "Bir deneme."@tr ; prov:wasAttributedTo agent:icmpd-kg-editors ;\n'
        '  skos:editorialNote "A test."@en , "Bir deneme."@tr ; prov:wasDerivedFrom fact:project-summit .\n'
        'graph:derived-summit-start { project:summit <https://schema.org/startDate> "2019-08"^^xsd:gYearMonth . }\n',
        encoding="utf-8",
    )
    report = validate_files([*paths.data_files(), later])
    assert report.conforms, report.as_text()


def test_the_implementation_sentence_is_stated_in_its_own_fact_graph(kg):
    """ "ICMPD, Türkiye’deki projelerini … Ankara Ofisi aracılığıyla uygulamaktadır" is stated by its
    fact graph, not only read project by project in an editorial graph."""
    graph = kg.data.graph(URIRef("https://w3id.org/icmpd-kg/id/fact/turkey-projects-implementation"))
    office, state = (
        URIRef("https://w3id.org/icmpd-kg/id/" + s) for s in ("unit/ankara-office", "state/turkey")
    )
    assert (office, URIRef("https://w3id.org/icmpd-kg/ontology#implementsProjectsIn"), state) in graph


def test_the_website_quote_names_icmpd_in_words_not_only_in_the_url(kg):
    from icmpd_kg.kg.provenance import fact_quotes
    from icmpd_kg.kg.quads import Quads

    quote = fact_quotes(Quads.from_dataset(kg.data))[
        URIRef("https://w3id.org/icmpd-kg/id/fact/icmpd-website")
    ]
    assert "https://www.icmpd.org/" in quote and "ICMPD" in quote.replace("https://www.icmpd.org/", "")
