// Small enhancement of the request form; every page works without it.
(function () {
  'use strict';
  var form = document.querySelector('form[data-request-form]');
  if (!form) { return; }
  function kind() {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : 'new';
  }
  function update() {
    var k = kind();
    var existing = form.querySelector('[data-existing]');
    if (existing) { existing.hidden = (k !== 'development'); }
    form.querySelectorAll('[data-required-new]').forEach(function (el) {
      var required = el.getAttribute(
        k === 'new' ? 'data-required-new' : 'data-required-development');
      var mark = el.querySelector('.req-mark');
      if (mark) {
        mark.textContent = required === '1' ? '(wajib)' : '(tidak wajib)';
      }
    });
  }
  form.querySelectorAll('input[name="kind"]').forEach(function (input) {
    input.addEventListener('change', update);
  });
  update();
})();
