/* Corrections to the Tryton web client (sao 8.0.11), loaded by its
 * index.html after dist/tryton-sao.js (scripts/sao_locale.py, called by
 * scripts/install_sao.sh, installs this file as .sao/package/custom.js).
 *
 * Selection widgets kept a wrong value while the form was redrawn.
 * Each redraw (after any field change) empties the <select>, adds the
 * options again, and sets the record's value one tick later (a jQuery
 * promise). Until then the <select> shows its first option: "" for most
 * fields, the first label for the others. A step button that the user
 * presses right after typing in a text field reads every widget in that
 * moment (Screen.button -> view.set_value) and saves the first options.
 * Every selection of the request was sent as null ("Sifat", the
 * conclusions, the decision) or as another value ("Jenis Pengajuan"), the
 * server refused the write, and the form showed "Draf".
 *
 * The fix: the record's value is shown as soon as the options are there,
 * in the same tick; and a widget whose redraw is still under way does not
 * write into the record. */
(function() {
    'use strict';
    var Selection = Sao.View.Form.Selection;
    var display_update_selection =
        Selection.prototype.display_update_selection;

    Selection.prototype.set_selection = function(selection, help) {
        var select = this.select;
        select.empty();
        for (const e of selection) {
            select.append(jQuery('<option/>', {
                'value': JSON.stringify(e[0]),
                'text': e[1],
                'title': help[e[0]],
            }));
        }
        // Show the record's value now, not one tick later.
        if (this.record && this.field) {
            var value = JSON.stringify(this.field.get(this.record));
            if (select.find('option').filter(
                    function() { return this.value === value; }).length) {
                select.val(value);
            }
        }
    };

    Selection.prototype.display_update_selection = function() {
        var pending = display_update_selection.call(this);
        if (pending && pending.state && pending.state() === 'pending') {
            this._redrawing = (this._redrawing || 0) + 1;
            pending.always(() => {
                this._redrawing -= 1;
            });
        }
        return pending;
    };

    var set_value = Selection.prototype.set_value;
    Selection.prototype.set_value = function() {
        if (this._redrawing) {
            // What the <select> shows is not yet the record's value.
            return;
        }
        return set_value.apply(this, arguments);
    };
}());

/* A press on a button did nothing after editing a row of a list.
 * The mouse down on the button blurs the row being edited; sao ends the
 * edit, redraws the row and scrolls it back into view. The form moved
 * under the pointer (step 4: 335 px), the mouse up landed on another
 * element, and the browser sent no click at all. While a mouse button is
 * down, nothing scrolls by itself: what is under the pointer stays there.
 * The scroll that was skipped is done once the button is released. */
(function() {
    'use strict';
    var scrollIntoViewIfNeeded = Sao.common.scrollIntoViewIfNeeded;
    var pressed = false, postponed = [];
    document.addEventListener('mousedown', function() {
        pressed = true;
    }, true);
    document.addEventListener('mouseup', function() {
        pressed = false;
        // After the click that this mouse up makes.
        window.setTimeout(function() {
            var elements = postponed;
            postponed = [];
            for (const element of elements) {
                if (element.isConnected) {
                    scrollIntoViewIfNeeded(element);
                }
            }
        });
    }, true);
    Sao.common.scrollIntoViewIfNeeded = function(element) {
        if (pressed) {
            postponed.push(element);
            return;
        }
        return scrollIntoViewIfNeeded.apply(this, arguments);
    };
}());

/* The web client in Indonesian, from the login dialog on (the catalogue is
 * sao/locale/id.po). */
(function() {
    'use strict';

    /* sao chooses the language of its login dialog from the browser
     * (navigator.language, e.g. "en-US" -> locale/en_US.json, falling back
     * to "en") and sends it with the login, so the server's login messages
     * ("Kata sandi untuk ...") follow it too; after login the user's
     * preference (res.user language) decides. Every user of this
     * application reads Indonesian, whatever the language of their browser:
     * when no language is given, use DEFAULT_LANGUAGE. */
    var DEFAULT_LANGUAGE = 'id';
    var setlang = Sao.i18n.setlang;
    Sao.i18n.setlang = function(lang) {
        return setlang.call(this, lang || DEFAULT_LANGUAGE);
    };

    /* sao 8.0.11 gives its preferences dialog the title "Preferences"
     * without passing it through gettext: translate it here (the msgid is
     * in sao/locale/id.po). */
    var preferences = Sao.Window.Preferences.prototype.init;
    Sao.Window.Preferences.prototype.init = function(callback) {
        preferences.call(this, callback);
        var title = Sao.i18n.gettext('Preferences');
        this.el.find('.modal-header .modal-title').first()
            .text(title).attr('title', title);
    };
}());
