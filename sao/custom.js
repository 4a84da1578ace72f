/* egov_app_request: the web client in Indonesian, from the login dialog on.
 * Installed into .sao/package/custom.js by scripts/sao_locale.py (called by
 * scripts/install_sao.sh); the catalogue is sao/locale/id.po. */
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
