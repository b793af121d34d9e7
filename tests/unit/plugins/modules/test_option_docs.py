# -*- coding: utf-8 -*-
# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every system's connection options are declared once (the OPTIONS table of its module_utils
file); what ansible-doc shows (the doc fragment) and the role's argument_specs must say the same."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os

import pytest
import yaml

from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))


def fragment_options(name):
    fragment = importlib.import_module('ansible_collections.apiauth.sessions.plugins.doc_fragments.' + name)
    return yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options']


def role_options(name):
    with open(os.path.join(ROOT, 'roles', name + '_lifecycle', 'meta', 'argument_specs.yml')) as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def description(doc):
    text = doc.get('description', '')
    return ' '.join(text) if isinstance(text, list) else text


@pytest.mark.parametrize('name', sorted(SYSTEMS))
def test_the_doc_fragment_documents_the_option_table(name):
    system = SYSTEMS[name]
    documented = fragment_options(name)
    assert sorted(documented) == sorted(opt.name for opt in system.OPTIONS)
    for opt in system.OPTIONS:
        doc = documented[opt.name]
        assert doc['type'] == opt.type, opt.name
        assert doc.get('default') == opt.default, opt.name
        assert doc.get('choices') == (list(opt.choices) if opt.choices else None), opt.name
        assert not doc.get('required'), opt.name  # env fallbacks: the client checks what is required
        assert 'E(%s)' % opt.env(system.PREFIX) in description(doc), opt.name


@pytest.mark.parametrize('name', sorted(SYSTEMS))
def test_the_role_takes_every_connection_option_by_the_same_name(name):
    system = SYSTEMS[name]
    options = role_options(name)
    for opt in system.OPTIONS:
        key = '%s_lifecycle_%s' % (name, opt.name)
        assert key in options, key
        assert options[key]['type'] == opt.type, key
        assert bool(options[key].get('no_log')) == opt.secret, key
        assert options[key].get('choices', opt.choices and list(opt.choices)) == (list(opt.choices) if opt.choices
                                                                                  else None), key
