# Sphinx configuration of the apiauth.sessions documentation site, built by scripts/docs.sh:
# the plugin, module and role pages come from antsibull-docs (collection/), the guides are the
# Markdown files of docs/ (guides/). Strict: every warning fails the build (-W, nitpicky).
# Offline: links into the Ansible docs resolve from ansible-docs.inv, which scripts/docs.sh
# writes from ansible-docs.inv.txt; nothing is downloaded.

project = 'apiauth.sessions'
copyright = 'apiauth.sessions contributors'
title = 'apiauth.sessions: log in, use the session, end it'
html_short_title = 'apiauth.sessions'

extensions = ['sphinx_antsibull_ext', 'sphinx.ext.intersphinx', 'myst_parser']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}

pygments_style = 'ansible'
highlight_language = 'YAML+Jinja'

html_theme = 'sphinx_ansible_theme'
html_show_sphinx = False
html_copy_source = False
html_use_index = False
display_version = False

default_role = 'any'
nitpicky = True
myst_heading_anchors = 3

intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', 'ansible-docs.inv'),
}

html_theme_options = {
    'collapse_navigation': False,
    'show_rtd_ethical_ads': False,
    'show_extranav': False,
    'topbar_links': {'Repository': 'https://example.invalid/apiauth/sessions'},  # galaxy.yml's repository
}
