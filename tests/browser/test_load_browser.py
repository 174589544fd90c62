"""Loading files on the Load data page, in the browser, as a new user would: upload, check, load, load again."""

import pytest

from geo.store import IncidentStore
from tests.browser.conftest import ARTIFACTS, Server, warm_up
from tests.browser.helpers import exception_texts, wait_for_app
from tests.conftest import street_csv, street_row

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def empty_store_server(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("load")
    srv = Server({"HOTSPOT_STORE": str(folder / "store.duckdb")}, name="streamlit-load")
    warm_up(browser, srv.url)
    yield srv, folder
    srv.stop()


def _metric(page, label: str) -> str:
    return page.locator(f'[data-testid="stMetric"]:has-text("{label}") [data-testid="stMetricValue"]').inner_text()


def test_upload_check_load_and_load_again(empty_store_server, page):
    srv, folder = empty_store_server
    june = folder / "2024-06-west-midlands-street.csv"
    june.write_bytes(street_csv([street_row(crime_id=f"j{i}") for i in range(40)]
                                + [street_row(crime_id="nowhere", lon="", lat="")]))
    page.goto(f"{srv.url}/load")
    wait_for_app(page)
    page.set_input_files('input[type="file"]', str(june))
    page.wait_for_selector('[data-testid="stMetric"]:has-text("Rows read")', timeout=90_000)
    assert (_metric(page, "Rows read"), _metric(page, "Accepted"), _metric(page, "Rejected")) == ("41", "40", "1")
    page.get_by_role("button", name="Load 40 rows into the store").click()
    success = page.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=90_000).inner_text()
    assert "1 new batch" in success and "40 accepted" in success
    assert exception_texts(page) == []  # the rerun after the click (the check is kept, not replayed) works
    page.screenshot(path=str(ARTIFACTS / "load-done.png"))
    with IncidentStore(folder / "store.duckdb") as s:
        assert len(s.incidents()) == 40 and len(s.batches()) == 1
    # the same file again, in a new visit: the check says it is stored, and nothing is offered to load
    page.goto(f"{srv.url}/load")
    wait_for_app(page)
    page.set_input_files('input[type="file"]', str(june))
    page.wait_for_selector("text=is already in the store (batch 1): loading it adds nothing", timeout=90_000)
    assert page.get_by_role("button", name="Load 0 rows into the store").is_disabled()
    assert exception_texts(page) == []
