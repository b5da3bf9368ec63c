"""Apache Jena SHACL as a second, independent engine for the shapes (Debian's libapache-jena-java).

Jena 4.5 as packaged by Debian dies at start-up (``ExceptionInInitializerError ... applyFacets1``):
its jena-core jar moved the shaded Xerces classes to package ``xerces.*`` but left their message
bundles under ``org/apache/jena/ext/xerces/``. ``prepare()`` copies those bundles once into a
folder under the names the classes expect, which ``validate()`` puts first on the classpath.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

JAVA_DIR = Path("/usr/share/java")
BATCH = Path(__file__).resolve().parent / "ShaclBatch.java"
# Jena's modules and what they need, as Debian names the jars in /usr/share/java.
JARS = (
    "jena-base",
    "jena-core",
    "jena-arq",
    "jena-iri",
    "jena-shacl",
    "jena-cmds",
    "jena-shex",
    "jena-rdfconnection",
    "jena-dboe-base",
    "jena-dboe-index",
    "jena-dboe-storage",
    "jena-dboe-trans-data",
    "jena-dboe-transaction",
    "jena-tdb",
    "jena-tdb2",
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpcore",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
    "jsonld-java",
    "slf4j-api",
    "slf4j-nop",
    "protobuf",
    "titanium-json-ld",
    "thrift",
    "jakarta.json-api",
)


def unavailable() -> str | None:
    """Why Jena SHACL cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "no `java` on PATH (install Debian's default-jdk-headless; .ci/run does)"
    if shutil.which("javac") is None:
        return "no `javac` on PATH (install Debian's default-jdk-headless; .ci/run does)"
    missing = [j for j in ("jena-shacl", "jena-core", "jena-arq") if not (JAVA_DIR / f"{j}.jar").is_file()]
    if missing:
        return f"Apache Jena is not installed ({', '.join(missing)} missing; install libapache-jena-java)"
    return None


def _bundles(work: Path) -> Path:
    bundles = work / "jena-xerces-bundles"
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        prefix = "org/apache/jena/ext/xerces/"
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                target = bundles / "xerces" / name[len(prefix) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    return bundles


def _jars() -> list[str]:
    return [str(JAVA_DIR / f"{j}.jar") for j in JARS if (JAVA_DIR / f"{j}.jar").is_file()]


def prepare(work: Path) -> None:
    """Make ``work``: the Xerces bundles and ShaclBatch compiled against Jena (compiled once, not
    by the source launcher at each run). Made in a sibling folder and renamed: whole or absent."""
    staging = Path(tempfile.mkdtemp(prefix=f".{work.name}-", dir=work.parent))
    classpath = ":".join([str(_bundles(staging)), *_jars()])
    done = subprocess.run(
        ["javac", "-nowarn", "-cp", classpath, "-d", str(staging / "classes"), str(BATCH)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"javac could not compile {BATCH.name}: {done.stderr[-2000:]}")
    staging.rename(work)


def command(work: Path, shapes: Path, schema: list[Path], data: list[Path]) -> list[str]:
    """The command that runs Jena SHACL over each data file (merged with the schema files) in one
    JVM; ``work`` is a folder made by ``prepare``. The tests and scripts/bench.py run this one."""
    classpath = ":".join([str(work / "classes"), str(work / "jena-xerces-bundles"), *_jars()])
    return [
        "java",
        "-XX:TieredStopAtLevel=1",  # a short run: the quick compiler starts sooner
        "-XX:+UseSerialGC",  # one thread collects: half the processor time of the default here
        "-cp",
        classpath,
        "ShaclBatch",
        str(shapes),
        *map(str, schema),
        "--",
        *map(str, data),
    ]


def validate(work: Path, shapes: Path, schema: list[Path], data: list[Path]) -> dict[str, dict]:
    """Run Jena SHACL over each data file (merged with the schema files) in one JVM; results by
    file. ``work`` is a folder made by ``prepare``."""
    done = subprocess.run(
        command(work, shapes, schema, data), capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"Jena SHACL failed ({done.returncode}): {done.stderr[-2000:]}")
    results = {}
    for line in done.stdout.splitlines():
        entry = json.loads(line)
        if "error" in entry:
            raise RuntimeError(f"Jena SHACL could not process {entry['file']}: {entry['error']}")
        results[entry["file"]] = entry
    return results
