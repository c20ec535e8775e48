"""Batch rendering of the daily run's reminders (issue 8, mail target).

The daily run renders one template for a thousand cases at once. Odoo's rendering
does per record work that does not depend on the record: it parses and compiles the
QWeb body again for each one, and its ``format_amount``/``format_date`` look the
language up again on each call. With the context key ``collections_mgmt_batch_render``
(set by the daily run's ``_post_reminders``) that work is done once per rendering
call; what is rendered stays byte for byte what Odoo renders.
"""

import ast
import datetime
import logging

import babel.dates
from lxml import html

from odoo import api, models, tools
from odoo.tools.float_utils import float_round
from odoo.tools.misc import babel_locale_parse, get_lang, posix_to_ldml

from odoo.addons.base.models.res_lang import intersperse
from odoo.addons.mail.models.mail_render_mixin import format_date as mail_format_date

_logger = logging.getLogger(__name__)

BATCH_RENDER_KEY = "collections_mgmt_batch_render"


class BatchFormatter:
    """``format_amount`` and ``format_date`` of a rendering's evaluation context,
    with the language data looked up once per language (and currency).

    The output is ``odoo.tools.format_amount`` / Odoo's mail ``format_date``
    (``tools.format_date``): only the look-ups are kept between calls. It lives as
    long as one evaluation context, i.e. one rendering call (one language).
    """

    def __init__(self, env):
        self.env = env
        self._amount_specs = {}
        self._date_specs = {}
        self._dates = {}

    def format_amount(self, amount, currency, lang_code=False):
        if len(currency) != 1:
            # Odoo's own error for a missing currency
            return tools.format_amount(self.env, amount, currency, lang_code)
        spec = self._amount_specs.get((lang_code, currency.id))
        if spec is None:
            spec = self._amount_specs[lang_code, currency.id] = self._amount_spec(
                currency, lang_code
            )
        fmt, rounding, grouping, thousands_sep, decimal_point, pre, post = spec
        # res.lang.format(fmt, currency.round(amount), grouping=True), then the
        # no-break spaces and the unbreakable minus of tools.format_amount
        parts = (fmt % float_round(amount, precision_rounding=rounding)).split(".")
        parts[0] = intersperse(parts[0], grouping, thousands_sep)[0]
        formatted = (
            decimal_point.join(parts)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        return f"{pre}{formatted}{post}"

    def _amount_spec(self, currency, lang_code):
        lang = get_lang(self.env, lang_code)
        symbol = currency.symbol or ""
        before = currency.position == "before"
        return (
            f"%.{currency.decimal_places}f",
            currency.rounding,
            ast.literal_eval(lang.grouping),
            lang.thousands_sep or "",
            lang.decimal_point,
            f"{symbol}\N{NO-BREAK SPACE}" if before else "",
            "" if before else f"\N{NO-BREAK SPACE}{symbol}",
        )

    def format_date(self, value, date_format=False, lang_code=False):
        """Odoo's mail ``format_date(env, date, pattern, lang_code)``, memoised."""
        key = (value, date_format, lang_code)
        try:
            if key in self._dates:
                return self._dates[key]
        except TypeError:  # not hashable: no memo
            return mail_format_date(self.env, value, date_format, lang_code)
        if isinstance(value, datetime.date) and not isinstance(
            value, datetime.datetime
        ):
            locale, pattern = self._date_spec(lang_code)
            result = babel.dates.format_date(
                value, format=date_format or pattern, locale=locale
            )
        else:
            # strings, datetimes (time zone), empty values: Odoo's own path
            result = mail_format_date(self.env, value, date_format, lang_code)
        self._dates[key] = result
        return result

    def _date_spec(self, lang_code):
        spec = self._date_specs.get(lang_code)
        if spec is None:
            lang = get_lang(self.env, lang_code)
            locale = babel_locale_parse(lang.code)
            spec = self._date_specs[lang_code] = (
                locale,
                posix_to_ldml(lang.date_format, locale=locale),
            )
        return spec


class CompiledTemplates:
    """The QWeb bodies compiled during one batch rendering call (see ir.qweb)."""

    def __init__(self):
        self.by_key = {}


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_eval_context(self):
        render_context = super()._render_eval_context()
        if self.env.context.get(BATCH_RENDER_KEY):
            formatter = BatchFormatter(self.env)
            # the signatures of Odoo's lambdas in the evaluation context
            render_context.update(
                format_amount=lambda amount, currency, lang_code=False: (
                    formatter.format_amount(amount, currency, lang_code)
                ),
                format_date=lambda date, date_format=False, lang_code=False: (
                    formatter.format_date(date, date_format, lang_code)
                ),
            )
        return render_context

    def _is_render_restricted(self):
        """Odoo's test in ``_render_template_qweb``: a restricted rendering compiles
        with ``raise_on_forbidden_code_for_model``, it is never batched."""
        return (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        )

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """In batch mode, parse and compile the body once for all ``res_ids``.

        Each record is still rendered by ``ir.qweb._render`` with Odoo's variables
        and options: only its compilation is reused (``ir.qweb._compile``). Restricted
        renderings (a user who is no template editor) and bodies without QWeb keep
        Odoo's path; a record that fails is rendered again by Odoo's path, which
        raises Odoo's error (a UserError quoting the template).
        """
        if not (
            self.env.context.get(BATCH_RENDER_KEY)
            and template_src
            and res_ids
            and not self._is_render_restricted()
            and self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        options = options or {}
        body = html.fragment_fromstring(template_src, create_parent="div")
        qweb = self.env["ir.qweb"].with_context(
            collections_mgmt_compiled_templates=CompiledTemplates()
        )
        results = dict.fromkeys(res_ids, "")
        for record in self.env[model].browse(res_ids):
            variables["object"] = record
            try:
                rendered = qweb._render(body, variables, **options)
            except Exception:
                _logger.info("Batch rendering failed for %s, Odoo's rendering", record)
                results.update(
                    super()._render_template_qweb(
                        template_src,
                        model,
                        record.ids,
                        add_context=add_context,
                        options=options,
                    )
                )
                continue
            # the <div> wrapping the fragment is left out, as Odoo does
            results[record.id] = rendered[5:-6]
        return results
