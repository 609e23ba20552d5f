"""Upload boxes as people expect them: click or drop, the upload starts at once with a preview and a progress
bar, and a refused file brings its message into the box without breaking the page."""

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.browser.looks import COVERED, OVERFLOW
from tests.browser.pages import log_in
from tests.factories import PASSWORD, UserFactory
from tests.identity import images_fixtures as pictures

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Keep the largest progress each upload reported, across the swaps that replace the boxes.
WATCH_PROGRESS = """() => {
  window.uploadProgress = [];
  document.addEventListener("htmx:xhr:progress", (event) => {
    if (event.detail.lengthComputable) window.uploadProgress.push(Math.round(100 * event.detail.loaded / event.detail.total));
  });
}"""

DROP = """([selector, base64, name]) => {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
  const box = document.querySelector(selector);
  box.dispatchEvent(new DragEvent("dragover", {bubbles: true, dataTransfer: transfer}));
  box.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: transfer}));
}"""


@pytest.fixture
def at_the_uploads(page, portal):
    """A person at step 3 of real-name verification (申请认证), on a phone."""
    UserFactory(username="zhangsan", identity_status="unverified", password=PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "zhangsan", PASSWORD)
    page.goto("/identity/step/1/")
    page.locator("[name=id_type]").select_option("resident_id")
    page.get_by_test_id("next").click()
    page.locator("[name=real_name]").fill("张三")
    page.locator("[name=id_number]").fill("110105199003070017")
    page.locator("[name=id_valid_from]").fill("2020-01-01")
    page.locator("[name=id_long_term]").check()
    page.locator("[name=province]").select_option("北京市")
    expect(page.locator("[name=city] option[value=北京市]")).to_have_count(1)
    page.locator("[name=city]").select_option("北京市")
    page.get_by_test_id("next").click()
    expect(page.get_by_test_id("slot-id_front")).to_be_visible()
    page.evaluate(WATCH_PROGRESS)
    return page


def test_a_file_dropped_on_the_box_uploads_at_once_with_progress_and_preview(at_the_uploads):
    page = at_the_uploads
    photo = pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_front(), seed=31))
    expect(page.get_by_test_id("upload-id_front")).to_be_hidden()  # no separate 上传 click
    page.evaluate(DROP, ["[data-testid=slot-id_front]", base64.b64encode(photo).decode(), "front.jpg"])
    box = page.get_by_test_id("slot-id_front")
    expect(box.locator(".upload-preview img")).to_have_attribute(
        "src", re.compile(r"/identity/documents/id_front/\?v=")
    )
    expect(page.get_by_test_id("checks-id_front")).not_to_contain_text("正在检查", timeout=15_000)
    assert page.evaluate("window.uploadProgress").count(100) >= 1


def test_clicking_the_box_opens_the_file_picker_and_the_pick_uploads(at_the_uploads):
    page = at_the_uploads
    photo = pictures.jpeg_bytes(pictures.handheld_photo(seed=32))
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("slot-handheld").locator(".upload-preview").click()
    chooser.value.set_files({"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo})
    expect(page.get_by_test_id("slot-handheld").locator(".upload-preview img")).to_have_attribute(
        "src", re.compile(r"/identity/documents/handheld/\?v=")
    )


def test_a_refused_file_puts_its_message_in_the_box_and_the_page_stays_whole(at_the_uploads):
    page = at_the_uploads
    page.get_by_test_id("file-id_back").set_input_files(
        {"name": "back.jpg", "mimeType": "image/jpeg", "buffer": b"this is not a picture at all"}
    )
    error = page.get_by_test_id("upload-error-id_back")
    expect(error).to_be_visible()
    expect(page.locator("#slot-id_back")).to_have_count(1)  # one box, not a box inside the box
    expect(page.locator(".upload-slot .upload-slot")).to_have_count(0)
    expect(error).to_have_count(1)
    assert page.evaluate(OVERFLOW) == []
    assert page.evaluate(COVERED) == []
    # The box still takes a good file after the refusal.
    photo = pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_back(), seed=33))
    page.get_by_test_id("file-id_back").set_input_files(
        {"name": "b.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    expect(page.get_by_test_id("upload-error-id_back")).to_have_count(0)
    expect(page.get_by_test_id("checks-id_back")).to_be_visible()


def test_a_file_picked_before_the_page_is_set_up_still_uploads_in_place(at_the_uploads):
    """A box that htmx has not yet seen (a slow page) must not fall back to a full submit that leaves the page."""
    page = at_the_uploads
    page.locator("[name=consent_id_data]").check()
    # The box as the browser parsed it, before htmx processed it.
    page.evaluate(
        "() => { const box = document.querySelector('#slot-id_front'); box.outerHTML = box.outerHTML; }"
    )
    address = page.url
    photo = pictures.jpeg_bytes(pictures.photo_of_card(pictures.id_card_front(), seed=34))
    page.get_by_test_id("file-id_front").set_input_files(
        {"name": "f.jpg", "mimeType": "image/jpeg", "buffer": photo}
    )
    expect(page.get_by_test_id("slot-id_front").locator(".upload-preview img")).to_have_attribute(
        "src", re.compile(r"/identity/documents/id_front/\?v=")
    )
    assert page.url == address
    expect(page.locator("[name=consent_id_data]")).to_be_checked()  # nothing typed on the page was lost
