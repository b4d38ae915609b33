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


def release_file(tmp_path, version_info):
    odoo_dir = tmp_path / "odoo"
    odoo_dir.mkdir(exist_ok=True)
    (odoo_dir / "release.py").write_text(
        "RELEASE_LEVELS = [ALPHA, BETA, RELEASE_CANDIDATE, FINAL] = ['alpha', 'beta', 'candidate', 'final']\n"
        f"version_info = {version_info}\n"
        "series = serie = major_version = '.'.join(str(s) for s in version_info[:2])\n"
    )
    return str(odoo_dir)


def test_release_reads_the_series_without_running_release_py(tmp_path):
    assert odoo_config.release(release_file(tmp_path, "(19, 0, 0, FINAL, 0, '')")) == ("19.0", 19)
    assert odoo_config.release(release_file(tmp_path, "(18, 0, 0, FINAL, 0, '')")) == ("18.0", 18)
    assert odoo_config.release(release_file(tmp_path, "('saas~18', 2, 0, ALPHA, 1, '')")) == ("saas~18.2", 18)
    with pytest.raises(ValueError, match="version_info"):
        odoo_config.release(release_file(tmp_path, "VERSION"))
    with pytest.raises(ValueError, match="cannot be read"):
        odoo_config.release(str(tmp_path / "nowhere"))
    assert [odoo_config.command_name(major) for major in (17, 18, 19, 20)] == [
        "auto-upgrade",
        "auto-upgrade",
        "auto_upgrade",
        "auto_upgrade",
    ]
    assert odoo_config.major_of("19.0") == 19 and odoo_config.major_of("saas~18.2") == 18


def test_odoo_19_reads_libpq_variables_above_the_file(home, tmp_path):
    conf = tmp_path / "odoo.conf"
    conf.write_text("[options]\ndb_host = filehost\ndb_name = fromfile\ndb_port = False\ndb_app_name = app-{pid}\n")
    environ = {"ODOO_RC": str(conf), "PGHOST": "envhost", "PGDATABASE": "fromenv", "PGUSER": "envuser"}
    on_19 = odoo_config.load({"db_user": "cliuser"}, environ, str(tmp_path), 19)
    assert (on_19["db_host"], on_19["db_name"], on_19["db_user"]) == ("envhost", "fromenv", "cliuser")
    # "False" is no value for a text option on 19.0 (skipped), the boolean False on 18.0.
    assert on_19["db_port"] is False and on_19["db_app_name"] == "app-{pid}"
    assert odoo_config.connection_params(on_19, "prod", {}, 5)["application_name"] == "app-5"
    assert odoo_config.connection_params(on_19, "prod", {"ODOO_PGAPPNAME": "x-{pid}"}, 5)["application_name"] == "x-5"
    on_18 = odoo_config.load({"db_user": "cliuser"}, environ, str(tmp_path))
    assert (on_18["db_host"], on_18["db_name"], on_18["db_user"]) == ("filehost", "fromfile", "cliuser")
    assert odoo_config.connection_params(on_18, "prod", {}, 5)["application_name"] == "odoo-5"
    # $OPENERP_SERVER is no longer read by 19.0, and both rc files are no error there: ~/.odoorc wins.
    assert odoo_config.config_file(None, {"OPENERP_SERVER": str(conf)}, 19) == str(home / ".odoorc")
    (home / ".openerp_serverrc").write_text("")
    (home / ".odoorc").write_text("")
    assert odoo_config.config_file(None, {}, 19) == str(home / ".odoorc")
    # A folder of the file's addons path without addons: 19.0 skips it with a warning, which Odoo says.
    conf.write_text(f"[options]\naddons_path = {tmp_path / 'empty'}\n")
    (tmp_path / "empty").mkdir()
    assert odoo_config.load({"config": str(conf)}, {}, str(tmp_path))["addons_path"] == [str(tmp_path / "empty")]
    with pytest.raises(odoo_config.Unsupported, match="configuration file's addons_path"):
        odoo_config.load({"config": str(conf)}, {}, str(tmp_path), 19)


def test_odoo_19_locates_addons_by_a_readable_manifest(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    addon(first, "old_style", manifest="__openerp__.py")
    broken = addon(first, "broken")
    (broken / "__manifest__.py").write_text("{'name': \n")
    wanted = addon(second, "broken")
    addon(second, "old_style")
    addon(first, "bad-name")
    locate = odoo_config.locator([str(first), str(second)], 19)
    assert locate("old_style") == str(second / "old_style")
    assert locate("broken") == str(wanted)
    assert locate("bad-name") is False and locate("missing") is False and locate("../second/broken") is False
    # 18.0 finds the first folder with either manifest, readable or not.
    locate = odoo_config.locator([str(first), str(second)])
    assert locate("old_style") == str(first / "old_style") and locate("broken") == str(broken)
    assert locate("bad-name") == str(first / "bad-name")


def test_odoo_19_looks_in_its_community_addons_after_the_addons_path(tmp_path):
    odoo_dir = tmp_path / "src" / "odoo"
    (odoo_dir / "addons").mkdir(parents=True)
    (tmp_path / "src" / "addons").mkdir()
    options = {"addons_path": [str(tmp_path / "custom")], "data_dir": str(tmp_path / "data")}
    dirs = odoo_config.addons_dirs(options, str(odoo_dir), [], "19.0")
    assert dirs == [str(odoo_dir / "addons"), str(tmp_path / "custom"), str(tmp_path / "src" / "addons")]
    assert odoo_config.addons_dirs(options, str(odoo_dir), [], "18.0") == [
        str(odoo_dir / "addons"),
        str(tmp_path / "custom"),
    ]
