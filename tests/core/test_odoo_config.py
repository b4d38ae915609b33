# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's settings read without Odoo: precedence, defaults, lookup order."""

import pytest

from module_auto_update.cli import odoo_config


def addon(folder, name, manifest="__manifest__.py"):
    path = folder / name
    path.mkdir(parents=True)
    (path / manifest).write_text("{'name': %r}\n" % name)
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_parse_args_keeps_what_it_knows_and_returns_the_rest():
    options, others = odoo_config.parse_args(
        ["-c", "/etc/odoo.conf", "--addons-path=/a,/b", "-r", "odoo", "--db_port", "5433", "--workers=4", "-u", "x"]
    )
    assert options == {"config": "/etc/odoo.conf", "addons_path": "/a,/b", "db_user": "odoo", "db_port": "5433"}
    assert others == ["--workers=4", "-u", "x"]
    # Abbreviations are Odoo's (optparse) business, not guessed here.
    assert odoo_config.parse_args(["--addons=/a"])[1] == ["--addons=/a"]
    with pytest.raises(odoo_config.Unsupported):
        odoo_config.parse_args(["--log-level=loud"])
    with pytest.raises(odoo_config.Unsupported):
        odoo_config.parse_args(["--db_host"])


def test_config_file_precedence(home, tmp_path):
    given = tmp_path / "given.conf"
    given.write_text("[options]\n")
    assert odoo_config.config_file(str(given), {"ODOO_RC": "/elsewhere"}) == str(given)
    assert odoo_config.config_file(None, {"ODOO_RC": "/rc", "OPENERP_SERVER": "/old"}) == "/rc"
    assert odoo_config.config_file(None, {"OPENERP_SERVER": "/old"}) == "/old"
    assert odoo_config.config_file(None, {}) == str(home / ".odoorc")
    (home / ".openerp_serverrc").write_text("")
    assert odoo_config.config_file(None, {}) == str(home / ".openerp_serverrc")
    (home / ".odoorc").write_text("")
    with pytest.raises(odoo_config.Unsupported):
        odoo_config.config_file(None, {})
    with pytest.raises(odoo_config.Unsupported):
        odoo_config.config_file(str(tmp_path / "missing.conf"), {})


def test_load_layers_defaults_file_and_command_line(home, tmp_path):
    odoo_dir = tmp_path / "src" / "odoo"
    (odoo_dir / "addons").mkdir(parents=True)
    (tmp_path / "src" / "addons").mkdir()
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        "[options]\naddons_path = ~/custom , $HOME/other,\ndb_host = False\ndb_user = odoo\n"
        "db_name = one,two\nlog_level = warn\n[queue_job]\nchannels = root:2\n"
    )
    options = odoo_config.load({"config": str(conf), "db_user": "cli"}, {}, str(odoo_dir))
    assert options["addons_path"] == [str(home / "custom"), str(home / "other")]
    assert options["db_host"] is False and options["db_user"] == "cli" and options["db_name"] == "one,two"
    assert options["log_level"] == "warn" and options["db_sslmode"] == "prefer"
    assert options["data_dir"] == str(home / ".local" / "share" / "Odoo")
    # No addons path anywhere: Odoo's own two folders.
    options = odoo_config.load({}, {"XDG_DATA_HOME": str(tmp_path / "xdg")}, str(odoo_dir))
    assert options["addons_path"] == [str(odoo_dir / "addons"), str(tmp_path / "src" / "addons")]
    assert options["data_dir"] == str(tmp_path / "xdg" / "Odoo")


def test_addons_dirs_follow_odoo_order(home, tmp_path):
    odoo_dir = tmp_path / "src" / "odoo"
    (odoo_dir / "addons").mkdir(parents=True)
    wheel = tmp_path / "site"
    (wheel / "odoo" / "addons").mkdir(parents=True)
    data_dir = tmp_path / "data"
    (data_dir / "addons" / "18.0").mkdir(parents=True)
    first, second = tmp_path / "first", tmp_path / "second"
    options = {"addons_path": [str(first), str(second)], "data_dir": str(data_dir)}
    dirs = odoo_config.addons_dirs(options, str(odoo_dir), ["", str(wheel), str(tmp_path / "src")], "18.0")
    assert dirs == [
        str(odoo_dir / "addons"),
        str(wheel / "odoo" / "addons"),
        str(data_dir / "addons" / "18.0"),
        str(first),
        str(second),
    ]


def test_locate_finds_the_first_folder_like_get_module_path(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    addon(second, "shadowed")
    wanted = addon(first, "shadowed", manifest="__openerp__.py")
    only_second = addon(second, "only_second")
    (first / "no_manifest").mkdir()
    addon(second, "no_manifest")
    (first / "zipped.zip").write_text("")
    locate = odoo_config.locator([str(first), str(second)])
    assert locate("shadowed") == str(wanted)
    assert locate("only_second") == str(only_second)
    assert locate("no_manifest") == str(second / "no_manifest")
    # Found as a zip, which has no folder to fingerprint: absent.
    assert locate("zipped") is False
    assert locate("missing") is False
    assert locate("../second/only_second") is False


def test_connection_params_like_odoo():
    options = dict(odoo_config.DEFAULTS, db_host="db.example", db_port=5433, db_user=False, db_password="s")
    params = odoo_config.connection_params(options, "prod", {}, 42)
    assert params == {
        "dbname": "prod",
        "application_name": "odoo-42",
        "host": "db.example",
        "port": 5433,
        "password": "s",
        "sslmode": "prefer",
    }
    named = odoo_config.connection_params(options, "prod", {"ODOO_PGAPPNAME": "deploy-{pid}"}, 7)
    assert named["application_name"] == "deploy-7"
    with pytest.raises(odoo_config.Unsupported):
        odoo_config.connection_params(options, "postgresql://u@h/prod", {}, 1)


def test_read_config_file_converts_booleans(tmp_path):
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nproxy_mode = True\nlist_db = false\nadmin_passwd = x\n")
    assert odoo_config.read_config_file(str(conf)) == {"proxy_mode": True, "list_db": False, "admin_passwd": "x"}
    assert odoo_config.read_config_file(str(tmp_path / "none.conf")) == {}
    (tmp_path / "bad.conf").write_text("no section header\n")
    with pytest.raises(odoo_config.Unsupported):
        odoo_config.read_config_file(str(tmp_path / "bad.conf"))


def test_logger_levels_in_odoo_order(home, tmp_path):
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\nlog_level = warn\nlog_handler = odoo.addons:INFO, werkzeug:ERROR\n")
    cli_options, others = odoo_config.parse_args(
        ["-c", str(conf), "--log-handler", "odoo.sql_db:DEBUG", "--log-sql", "--log-web"]
    )
    assert others == []
    options = odoo_config.load(cli_options, {}, str(tmp_path))
    assert odoo_config.logger_levels(options) == [
        ("odoo.http.rpc.request", "INFO"),
        ("odoo.http.rpc.response", "INFO"),
        ("", "INFO"),
        ("odoo", "WARNING"),
        ("werkzeug", "WARNING"),
        ("odoo.addons", "INFO"),
        ("werkzeug", "ERROR"),
        ("odoo.sql_db", "DEBUG"),
        ("odoo.sql_db", "DEBUG"),
        ("odoo.http", "DEBUG"),
    ]
    # Without any: the root logger at INFO, as Odoo's default ":INFO".
    assert odoo_config.logger_levels(odoo_config.load({}, {}, str(tmp_path)))[-1] == ("", "INFO")
    # What the quick start cannot reproduce is left to Odoo.
    for line in ("syslog = True", "log_db = logs", "log_handler = odoo", "log_handler = "):
        conf.write_text(f"[options]\n{line}\n")
        with pytest.raises(odoo_config.Unsupported):
            odoo_config.load({"config": str(conf)}, {}, str(tmp_path))
