# Copyright 2026 module_auto_update developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


def post_init(env):
    env.cr.execute("CREATE TABLE IF NOT EXISTS mau_probe_log (addon varchar, stage varchar)")
    env.cr.execute("INSERT INTO mau_probe_log VALUES ('mau_probe_new', 'post_init_hook')")
