"""Tables of an HTML page as text cells, for tests that read reports (no network, no lxml)."""

from html.parser import HTMLParser


class Tables(HTMLParser):
    """Every <table> of a page as a list of rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def rows_after(text: str, marker: str) -> list[list[str]]:
    """The rows (header first) of the first table after ``marker`` in the page ``text``."""
    parser = Tables()
    parser.feed(text[text.index(marker):])
    return parser.tables[0]
