"""The rich menus as code: `richmenu deploy` against the fake LINE server (which checks every request against LINE's
OpenAPI spec and documented limits), the staff menu linked on registration and unlinked on removal."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from bot import texts
from bot.datafile import BUNDLED_DIR
from bot.richmenu import SIZES, load_menus, tile_texts
from bot.runtime import runtime
from models import Role
from tests import line_events as ev
from tests.fake_line import schema_errors
from tests.fake_line_richmenu import limit_errors
from tests.helpers import register

STAFF = "U" + "5" * 32
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture
def office(seeded):  # type: ignore[no-untyped-def]
    return seeded


def deploy(app, *args: str):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=["richmenu", "deploy", *args])
    assert "Traceback" not in result.output
    return result


def channel_menus(fake_line) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """menu key ("citizen", "staff") -> rich menu id, from the names the bot gives its menus."""
    return {menu["name"].split(":")[1]: rich_menu_id for rich_menu_id, menu in fake_line.rich_menus.menus.items()}


def test_deploy_creates_both_menus_with_their_images_and_sets_the_citizens_default(webhook, fake_line, office):
    result = deploy(office)
    assert result.exit_code == 0, result.output
    rich = fake_line.rich_menus
    assert rich.refused() == [], "LINE would have refused a request"
    menus = channel_menus(fake_line)
    assert set(menus) == {"citizen", "staff"}
    assert rich.default == menus["citizen"]
    assert rich.aliases == {"citizen": menus["citizen"], "staff": menus["staff"]}
    for rich_menu_id, menu in rich.menus.items():
        image = Image.open(io.BytesIO(rich.images[rich_menu_id][0]))
        assert image.size == (menu["size"]["width"], menu["size"]["height"]) == SIZES["large"]
    citizen = rich.menus[menus["citizen"]]
    assert [a["action"]["text"] for a in citizen["areas"]] == [
        texts.QR_MEASURES, texts.QR_MENU, "แจ้งเรื่อง/ร้องเรียน", texts.QR_BORROW, texts.QR_MY_REPORTS, texts.QR_CONTACT]
    switch = rich.menus[menus["staff"]]["areas"][-1]["action"]
    assert switch["type"] == "richmenuswitch" and switch["richMenuAliasId"] == "citizen"


def test_deploying_again_keeps_the_same_menus_and_leaves_no_orphans(webhook, fake_line, office):
    deploy(office)
    first = dict(fake_line.rich_menus.menus)
    result = deploy(office)
    assert result.exit_code == 0 and "created 0, kept 2, deleted 0" in result.output, result.output
    assert fake_line.rich_menus.menus.keys() == first.keys()
    assert fake_line.rich_menus.refused() == []


def test_a_changed_menu_replaces_the_old_one_and_moves_the_staff_to_it(webhook, fake_line, office, tmp_path,
                                                                        monkeypatch):
    register(webhook, office, STAFF, "กองคลัง")
    deploy(office)
    old = channel_menus(fake_line)
    own = tmp_path / "office-data"
    own.mkdir()
    source = (BUNDLED_DIR / "richmenu.toml").read_text(encoding="utf-8")
    (own / "richmenu.toml").write_text(source.replace('label = "งานยืมคืน"', 'label = "ยืม-คืน"'), encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(own))

    result = deploy(office)
    runtime(office).sender.send_due()

    assert result.exit_code == 0 and "created 1, kept 1, deleted 1" in result.output, result.output
    new = channel_menus(fake_line)
    assert new["citizen"] == old["citizen"] and new["staff"] != old["staff"]
    assert set(fake_line.rich_menus.menus) == set(new.values()), "the old staff menu is deleted"
    assert fake_line.rich_menus.aliases["staff"] == new["staff"]
    assert fake_line.rich_menus.links == {STAFF: new["staff"]}
    assert fake_line.rich_menus.refused() == []


def test_registering_links_the_staff_menu_and_removal_unlinks_it(webhook, fake_line, office):
    deploy(office)
    staff_menu = channel_menus(fake_line)["staff"]

    register(webhook, office, STAFF, "กองคลัง", Role.STAFF)
    runtime(office).sender.send_due()
    assert fake_line.rich_menus.links == {STAFF: staff_menu}

    result = office.test_cli_runner().invoke(args=["staff", "remove", STAFF])
    assert result.exit_code == 0, result.output
    runtime(office).sender.send_due()
    assert fake_line.rich_menus.links == {}
    assert fake_line.rich_menus.refused() == []


def test_without_a_deployed_menu_registration_links_nothing(webhook, fake_line, office):
    register(webhook, office, STAFF, "กองคลัง")
    runtime(office).sender.send_due()
    assert fake_line.rich_menus.requests == []


def test_a_staff_member_who_switched_to_the_citizens_menu_can_come_back(webhook, fake_line, office):
    deploy(office)
    register(webhook, office, STAFF, "กองคลัง")
    fake_line.reset()
    deploy(office)  # the fake forgot the channel: deploy it again, as new

    webhook.post(ev.postback("action=richmenu&to=citizen", user_id=STAFF))
    assert fake_line.texts()[-1] == texts.STAFF_MENU_SWITCHED
    webhook.post(ev.text(texts.QR_STAFF_MENU, user_id=STAFF))
    runtime(office).sender.send_due()
    assert fake_line.texts()[-1] == texts.STAFF_MENU_BACK
    assert fake_line.rich_menus.links[STAFF] == channel_menus(fake_line)["staff"]


def test_a_citizen_switching_tabs_gets_no_message(webhook, fake_line, office):
    webhook.post(ev.postback("action=richmenu&to=citizen"))
    assert fake_line.texts() == []


@pytest.mark.parametrize(("menu", "typed"), tile_texts(load_menus()))
def test_every_tile_sends_words_the_bot_understands(webhook, fake_line, office, menu, typed):
    user = STAFF if menu == "staff" else ev.CITIZEN
    if menu == "staff":
        register(webhook, office, STAFF, "กองคลัง")
    webhook.post(ev.text(typed, user_id=user))
    answer = fake_line.texts()[-1]
    assert answer not in (texts.FALLBACK, texts.QA_WHICH_ONE, texts.REGISTER_HOW), typed


def test_dry_run_writes_images_of_the_declared_size_and_valid_requests(office, fake_line, tmp_path):
    result = deploy(office, "--dry-run", "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert fake_line.rich_menus.requests == [], "a dry run sends nothing"
    for menu in load_menus().menus:
        image_path = tmp_path / f"richmenu-{menu.key}.png"
        assert image_path.stat().st_size <= 1024 * 1024
        assert Image.open(image_path).size == SIZES[menu.size]
        request = json.loads((tmp_path / f"richmenu-{menu.key}.json").read_text(encoding="utf-8"))
        assert schema_errors("RichMenuRequest", request) == [] and limit_errors(request) == []
        # Kept for a person to look at (the README shows them).
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(image_path, ARTIFACTS / image_path.name)


def test_a_bad_menu_file_is_refused_in_one_line(office, fake_line, tmp_path, monkeypatch):
    own = tmp_path / "office-data"
    own.mkdir()
    source = (BUNDLED_DIR / "richmenu.toml").read_text(encoding="utf-8")
    (own / "richmenu.toml").write_text(source.replace('chat_bar = "เมนูบริการ"', 'chat_bar = "เมนูบริการของประชาชนทุกคน"'),
                                       encoding="utf-8")
    monkeypatch.setenv("BOT_DATA_DIR", str(own))
    result = deploy(office)
    assert result.exit_code != 0
    assert "richmenu.toml: menu 'citizen': chat_bar must be 1-14 characters" in result.output
    assert fake_line.rich_menus.requests == []


def test_without_an_access_token_deploy_says_to_use_dry_run(office, fake_line, monkeypatch):
    monkeypatch.setitem(office.config, "LINE_CHANNEL_ACCESS_TOKEN", None)
    result = deploy(office)
    assert result.exit_code != 0 and "--dry-run" in result.output
