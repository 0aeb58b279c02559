"""The README's zoo table is the catalogue's, not a hand-kept copy."""
import re
from pathlib import Path


def test_readme_zoo_table_is_generated_from_the_catalogue(cli):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = re.search(r"<!-- zoo-table -->\n(.*?)<!-- /zoo-table -->", readme, re.S).group(1)
    assert table == cli("models", "--markdown").stdout, "run `make zoo-table`"
