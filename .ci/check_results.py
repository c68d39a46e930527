"""Fail CI if the browser tests or the PostgreSQL run were skipped, or ran no test at all."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def cases(path: Path) -> list[ET.Element]:
    if not path.exists():
        sys.exit(f"{path} is missing: that test run did not happen")
    return list(ET.parse(path).getroot().iter("testcase"))


def skipped(case: ET.Element) -> bool:
    return case.find("skipped") is not None


def main(sqlite_xml: str, e2e_xml: str, postgres_xml: str) -> None:
    problems = []
    if not cases(Path(sqlite_xml)):
        problems.append("no unit or integration test ran on SQLite")
    e2e = [c for c in cases(Path(e2e_xml)) if ".e2e." in c.get("classname", "") or "tests/e2e" in c.get("file", "")]
    if not e2e:
        problems.append("no browser (e2e) test ran")
    problems += [f"browser test skipped: {c.get('classname')}::{c.get('name')}" for c in e2e if skipped(c)]
    pg_cases = cases(Path(postgres_xml))
    if not pg_cases:
        problems.append("no PostgreSQL test ran")
    problems += [f"PostgreSQL test skipped: {c.get('classname')}::{c.get('name')}" for c in pg_cases if skipped(c)]
    if problems:
        sys.exit("CI check failed:\n  " + "\n  ".join(problems))
    print(f"CI check: {len(e2e)} browser tests and {len(pg_cases)} PostgreSQL tests ran, none skipped")


if __name__ == "__main__":
    main(*sys.argv[1:4])
