// Apache Jena SHACL over many data files in one JVM: the independent second engine of the test
// suite. Compiled once by tests/jena/__init__.py (prepare), then run as
//   java -cp CLASSES:JENA_CLASSPATH ShaclBatch SHAPES.ttl ONTOLOGY_FILES... -- DATA_FILES...
// Each data file is read as a dataset (TriG, Turtle, ...); its graphs are merged with the ontology
// files into one data graph, as icmpd-kg validate does. One JSON line per data file:
//   {"file": ..., "conforms": ..., "results": [{"focus":..., "shape":..., "path":..., "message":...}]}
// or {"file": ..., "error": ...} when Jena cannot read or apply something.
import java.util.ArrayList;
import java.util.List;

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.Triple;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.graph.GraphFactory;

public class ShaclBatch {
    static String json(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static String show(Node n) {
        if (n == null) return null;
        if (n.isURI()) return n.getURI();
        if (n.isLiteral()) return n.getLiteralLexicalForm();
        return "_:" + n.getBlankNodeLabel();
    }

    static void addAll(Graph into, Graph from) {
        from.find().forEachRemaining(into::add);
    }

    public static void main(String[] args) {
        List<String> ontology = new ArrayList<>();
        List<String> data = new ArrayList<>();
        boolean afterSeparator = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) { afterSeparator = true; continue; }
            (afterSeparator ? data : ontology).add(args[i]);
        }
        Shapes shapes;
        try {
            shapes = Shapes.parse(RDFDataMgr.loadGraph(args[0]));
        } catch (Exception e) {
            System.out.println("{\"file\": " + json(args[0]) + ", \"error\": " + json(e.toString()) + "}");
            return;
        }
        Graph ontologyGraph = GraphFactory.createDefaultGraph();
        for (String f : ontology) addAll(ontologyGraph, RDFDataMgr.loadGraph(f));
        for (String f : data) {
            StringBuilder out = new StringBuilder("{\"file\": " + json(f));
            try {
                DatasetGraph ds = RDFDataMgr.loadDatasetGraph(f);
                Graph g = GraphFactory.createDefaultGraph();
                addAll(g, ontologyGraph);
                ds.find().forEachRemaining(q -> g.add(Triple.create(q.getSubject(), q.getPredicate(), q.getObject())));
                ValidationReport report = ShaclValidator.get().validate(shapes, g);
                out.append(", \"conforms\": ").append(report.conforms()).append(", \"results\": [");
                boolean first = true;
                for (ReportEntry e : report.getEntries()) {
                    if (!first) out.append(", ");
                    first = false;
                    out.append("{\"focus\": ").append(json(show(e.focusNode())))
                       .append(", \"shape\": ").append(json(show(e.source())))
                       .append(", \"path\": ").append(json(e.resultPath() == null ? null : e.resultPath().toString()))
                       .append(", \"message\": ").append(json(e.message())).append("}");
                }
                out.append("]}");
            } catch (Exception e) {
                out.append(", \"error\": ").append(json(e.toString())).append("}");
            }
            System.out.println(out);
        }
    }
}
