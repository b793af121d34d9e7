# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/awx/credential_types against the collection: the injectors set exactly the
<SYSTEM>_* variables the modules read, secrets stay secret, and every value AWX can render
(fields left unset included) is one the modules accept.

Run with PYTHONPATH=<dir holding ansible_collections/> (scripts/test.d/awx.sh does).
"""

import os
import stat

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from awx_credentials import SYSTEMS, fields, load, referenced, render, secret_fields, validate

# Options deliberately left to the playbook: not credentials, and an empty value (what AWX
# injects for an unset field) would not be valid for them.
NOT_INJECTED = {
    'itsmng': {'timeout'},
    'bluecat': {'timeout'},
    'saymon': {'timeout', 'user_id'},
    'ipcortex': {'timeout'},
}
SAMPLE = {  # one value per text field, for rendering
    'url': {'itsmng': 'https://itsm.example.com/apirest.php'},
    'ca_cert': '-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n',
}


def client(system):
    from ansible_collections.apiauth.sessions.plugins.module_utils._registry import SYSTEMS as _S
    return _S[system]


def sample_inputs(ctype, system, only_required=False):
    inputs = {}
    wanted = ctype['inputs'].get('required', []) if only_required else list(fields(ctype))
    for name in wanted:
        field = fields(ctype)[name]
        if field.get('type') == 'boolean':
            inputs[name] = True
        elif 'choices' in field:
            inputs[name] = field['choices'][-1]
        elif name == 'url':
            inputs[name] = SAMPLE['url'].get(system, 'https://%s.example.com' % system)
        elif name == 'ca_cert':
            inputs[name] = SAMPLE['ca_cert']
        else:
            inputs[name] = '%s-%s-value-0123456789' % (system, name)
    if not only_required and system == 'ipcortex':
        inputs.pop('api_key')  # the client refuses a key together with a password
    return inputs


def option_of(system):
    mod = client(system)
    return {opt.env(mod.PREFIX): opt for opt in mod.OPTIONS}


@pytest.mark.parametrize('system', SYSTEMS)
def test_awx_accepts_the_type(system):
    assert validate(load(system)) == []


@pytest.mark.parametrize('system', SYSTEMS)
def test_injects_exactly_the_connection_options(system):
    env = load(system)['injectors']['env']
    options = option_of(system)
    assert set(env) <= set(options), 'not read by the modules: %s' % sorted(set(env) - set(options))
    left_out = {options[name].name for name in set(options) - set(env)}
    assert left_out == NOT_INJECTED[system]


@pytest.mark.parametrize('system', SYSTEMS)
def test_secret_fields_feed_secret_options_only(system):
    ctype = load(system)
    secrets = set(secret_fields(ctype))
    options = option_of(system)
    for name, template in ctype['injectors']['env'].items():
        used = referenced(template) - {'tower'}
        if used & secrets:
            assert options[name].secret, '%s carries a secret field into an option that is not no_log' % name
        if options[name].secret:
            assert used and used <= secrets, '%s is no_log in the modules but its field is not secret' % name
    # and no secret field is left out of the environment
    injected = set().union(*(referenced(t) for t in ctype['injectors']['env'].values()))
    assert secrets <= injected


@pytest.mark.parametrize('only_required', [True, False], ids=['required-only', 'every-field'])
@pytest.mark.parametrize('system', SYSTEMS)
def test_rendered_environment_is_valid_for_the_modules(system, only_required, tmp_path, monkeypatch):
    ctype = load(system)
    inputs = sample_inputs(ctype, system, only_required)
    env = render(ctype, inputs, str(tmp_path))[0]
    for name in option_of(system):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # The modules' own argument_spec, env fallbacks included, as AnsibleModule validates it.
    result = ArgumentSpecValidator(client(system).argument_spec()).validate({})
    assert result.error_messages == []
    params = result.validated_parameters
    assert params['url'] == inputs['url']
    # insecure unset (AWX: False) or set: verification follows it, never the other way round.
    assert params['validate_certs'] is (not inputs.get('insecure', False))
    if inputs.get('ca_cert'):
        with open(params['ca_path']) as handle:
            assert handle.read() == inputs['ca_cert']
        assert stat.S_IMODE(os.stat(params['ca_path']).st_mode) == 0o600
    else:
        assert not params['ca_path']
    for name in secret_fields(ctype):
        if inputs.get(name):
            assert inputs[name] in result._no_log_values


@pytest.mark.parametrize('system', SYSTEMS)
def test_choices_keep_the_module_default_when_unset(system, tmp_path):
    ctype = load(system)
    env = render(ctype, sample_inputs(ctype, system, only_required=True), str(tmp_path))[0]
    options = option_of(system)
    for name, opt in options.items():
        if opt.choices and name in env:
            assert env[name] == opt.default
            assert fields(ctype)[opt.name].get('default') == opt.default


@pytest.mark.parametrize('system', SYSTEMS)
def test_job_environment_shown_by_awx_hides_secrets(system, tmp_path):
    ctype = load(system)
    inputs = sample_inputs(ctype, system)
    env, safe_env = render(ctype, inputs, str(tmp_path))
    for name in secret_fields(ctype):
        if inputs.get(name):
            assert inputs[name] in env.values()
            assert all(inputs[name] not in value for value in safe_env.values())


def test_renderer_follows_awx_rules(tmp_path):
    """The rules render() copies from AWX, on a small type of our own."""
    ctype = {'name': 't', 'kind': 'cloud',
             'inputs': {'fields': [{'id': 'a', 'label': 'A', 'type': 'string'},
                                   {'id': 's', 'label': 'S', 'type': 'string', 'secret': True},
                                   {'id': 'b', 'label': 'B', 'type': 'boolean', 'default': True}]},
             'injectors': {'file': {'template': '[x]\n{{ s }}'},
                           'env': {'X_A': '{{ a }}', 'X_B': '{{ b }}', 'X_S': '{{ s }}', 'X_F': '{{ tower.filename }}',
                                   'PATH': '/evil'}}}
    assert validate(ctype) == ['env var PATH is reserved by AWX']
    env, safe = render(ctype, {'s': 'hush-0123456789'}, str(tmp_path), container_root='/runner')
    assert env['X_A'] == ''                      # unset text: empty string, still set
    assert env['X_B'] == 'False'                 # unset boolean: False, not its default
    assert env['X_S'] == 'hush-0123456789' and safe['X_S'] == '*' * 10
    assert env['X_F'].startswith('/runner/env/')  # the path inside the execution environment
    assert 'PATH' not in env
    (written,) = os.listdir(tmp_path / 'env')
    assert (tmp_path / 'env' / written).read_text() == '[x]\nhush-0123456789'
    with pytest.raises(ValueError):
        render(ctype, {'nope': 1}, str(tmp_path))
    bad = dict(ctype, injectors={'env': {'X_U': '{{ undefined_field }}', 'ANSIBLE_X': '{{ a }}'}})
    assert len(validate(bad)) == 2
