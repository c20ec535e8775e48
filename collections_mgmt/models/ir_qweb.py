import copy

from lxml import etree

from odoo import models


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Compile a body once per batch rendering (see mail.render.mixin).

        Odoo never caches the compilation of an etree (a mail body): within one
        batch rendering call, ``collections_mgmt_compiled_templates`` keeps it for
        the same etree and the same cache keys (language, restricted mode...).
        Compiling consumes the etree's QWeb attributes: a copy is compiled, so
        that another cache key compiles the etree as it was given.
        """
        compiled = self.env.context.get("collections_mgmt_compiled_templates")
        if compiled is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        key = (
            id(template),
            tuple(self.env.context.get(k) for k in self._get_template_cache_keys()),
        )
        if key not in compiled.by_key:
            # the etree is kept with its code, so that its id is never reused
            compiled.by_key[key] = (template, super()._compile(copy.deepcopy(template)))
        return compiled.by_key[key][1]
