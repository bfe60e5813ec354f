"""Prepares a Keystone in one interpreter: the keystone-manage commands

    fernet_setup, credential_setup (both --keystone-user root --keystone-group root), db_sync, bootstrap

run through keystone-manage's own entry point one after the other, so Keystone's slow imports are paid once.
It prints "keys ready" once the key repositories exist: the server may start loading then (it reads the keys as it
loads, and the database only when it serves a request that needs it), alongside db_sync and bootstrap.

usage: /usr/bin/python3 setup.py KEYSTONE_CONF IDENTITY_URL ADMIN_PASSWORD REGION
"""
import sys

from keystone.cmd import cli


def manage(conf, *args):
    # keystone-manage parses its configuration afresh on each run; forget the previous run's
    cli.CONF.reset()
    cli.CONF.clear()
    cli.main(argv=['keystone-manage', '--config-file', conf] + list(args))


def main(conf, url, password, region):
    owner = ['--keystone-user', 'root', '--keystone-group', 'root']
    manage(conf, 'fernet_setup', *owner)
    manage(conf, 'credential_setup', *owner)
    print('keys ready', flush=True)
    manage(conf, 'db_sync')
    manage(conf, 'bootstrap', '--bootstrap-password', password,
           '--bootstrap-region-id', region,
           '--bootstrap-public-url', url,
           '--bootstrap-internal-url', url,
           '--bootstrap-admin-url', url)
    print('keystone setup done', flush=True)


if __name__ == '__main__':
    main(*sys.argv[1:])
