// Enhancement of the portal's forms; every page works without it (the
// server checks everything again and stays the authority).
// - The request form shows the documents the chosen kind requires.
// - Before anything is sent, the forms check what the server would refuse:
//   required fields, the SOP step 1 inputs and required documents when
//   submitting, the size and the type of each chosen file.
// - The message about what was just done is said once (not on a reload).
// - The forms are sent in the background: when the server refuses, its
//   message is shown and the chosen files stay chosen.
(function () {
  'use strict';
  function kindOf(form) {
    var checked = form.querySelector('input[name="kind"]:checked');
    return checked ? checked.value : 'new';
  }

  function updateKind(form) {
    var k = kindOf(form);
    var existing = form.querySelector('[data-existing]');
    if (existing) { existing.hidden = (k !== 'development'); }
    form.querySelectorAll('[data-required-new]').forEach(function (el) {
      var mark = el.querySelector('.req-mark');
      if (mark) { mark.textContent = required(el, k) ? '(wajib)' : '(tidak wajib)'; }
    });
  }

  function required(el, kind) {
    return el.getAttribute(kind === 'development'
      ? 'data-required-development' : 'data-required-new') === '1';
  }

  function label(el) {
    return el.getAttribute('data-label') || el.name;
  }

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1).replace('.', ',');
  }

  // What the server would refuse: [{field, text}]
  function check(form, action) {
    var problems = [];
    var maxBytes = parseInt(form.getAttribute('data-max-bytes'), 10) || 0;
    var limit = form.getAttribute('data-limit-mb');
    // The allowed kinds of file in words, as the server lists them.
    var types = form.getAttribute('data-types');
    var accept = [];
    form.querySelectorAll('input[type=file]').forEach(function (input) {
      accept = (input.getAttribute('accept') || '').split(',');
    });
    form.querySelectorAll('input[required]:not([type=file]), select[required]')
      .forEach(function (el) {
        if (!el.value.trim()) {
          problems.push({field: el, text: (el.tagName === 'SELECT'
            ? 'Pilih ' : 'Isi ') + label(el).toLowerCase() + '.'});
        }
      });
    if (action === 'submit') {
      var empty = [];
      var first = null;
      form.querySelectorAll('[data-required-submit]').forEach(function (el) {
        if (!el.value.trim()) { empty.push(label(el)); first = first || el; }
      });
      if (empty.length) {
        problems.push({field: first, text: 'Untuk diajukan, isi juga: ' +
          empty.join(', ') + '.'});
      }
      var kind = kindOf(form);
      var missing = [];
      first = null;
      form.querySelectorAll('[data-required-new]').forEach(function (el) {
        var input = el.querySelector('input[type=file]');
        if (input && required(el, kind) && !input.files.length &&
            input.getAttribute('data-have') !== '1') {
          missing.push(label(input));
          first = first || input;
        }
      });
      if (missing.length) {
        problems.push({field: first, text: 'Untuk diajukan, pilih juga ' +
          'dokumen wajib: ' + missing.join(', ') + '.'});
      }
    }
    form.querySelectorAll('input[type=file]').forEach(function (input) {
      if (input.required && !input.files.length) {
        problems.push({field: input, text: 'Pilih berkas yang akan diunggah.'});
      }
      Array.prototype.forEach.call(input.files, function (file) {
        var name = file.name;
        var dot = name.lastIndexOf('.');
        var ext = dot < 0 ? '' : name.slice(dot).toLowerCase();
        var where = label(input) + ' (' + name + '): ';
        if (accept.indexOf(ext) < 0) {
          problems.push({field: input, text: where + 'jenis berkas tidak ' +
            'diterima; gunakan ' + types + '.'});
        } else if (!file.size) {
          problems.push({field: input, text: where + 'berkas kosong.'});
        } else if (maxBytes && file.size > maxBytes) {
          problems.push({field: input, text: where + 'berkas ' +
            megabytes(file.size) + ' MB, melebihi batas ' + limit + ' MB.'});
        }
      });
    });
    return problems;
  }

  function box(form) {
    return form.querySelector('[data-errors]');
  }

  function clear(form) {
    form.querySelectorAll('[aria-invalid]').forEach(function (el) {
      el.removeAttribute('aria-invalid');
    });
  }

  function show(form, problems) {
    clear(form);
    var div = document.createElement('div');
    div.className = 'msg error';
    div.setAttribute('role', 'alert');
    var strong = document.createElement('strong');
    strong.textContent = 'Belum dapat diproses:';
    var list = document.createElement('ul');
    problems.forEach(function (problem) {
      var item = document.createElement('li');
      item.textContent = problem.text;
      list.appendChild(item);
      if (problem.field) { problem.field.setAttribute('aria-invalid', 'true'); }
    });
    div.appendChild(strong);
    div.appendChild(list);
    var container = box(form);
    container.replaceChildren(div);
    var first = problems.filter(function (p) { return p.field; })[0];
    container.scrollIntoView({block: 'start'});
    if (first) { first.field.focus({preventScroll: true}); }
  }

  // The server refused: show its message; the chosen files stay chosen.
  function showAnswer(form, status, html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    var answer = doc.querySelector('main .msg.error');
    var container = box(form);
    if (!answer) {
      answer = document.createElement('div');
      answer.className = 'msg error';
      answer.textContent = (doc.body.textContent || '').trim() ||
        ('Permohonan belum dapat diproses (kode ' + status + ').');
    }
    answer.querySelectorAll('[data-files-lost]').forEach(function (el) {
      var item = el.closest('li');
      if (item && item.textContent.trim() === el.textContent.trim()) {
        item.remove();
      } else {
        el.remove();
      }
    });
    var kept = document.createElement('p');
    kept.setAttribute('data-files-kept', '');
    kept.textContent = 'Berkas yang Anda pilih masih terpilih: perbaiki ' +
      'yang disebutkan, lalu kirim lagi.';
    answer.appendChild(kept);
    answer.setAttribute('role', 'alert');
    clear(form);
    container.replaceChildren(document.importNode(answer, true));
    container.scrollIntoView({block: 'start'});
  }

  function send(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    var buttons = form.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    form.setAttribute('aria-busy', 'true');
    // getAttribute: the submit buttons named "action" shadow form.action.
    fetch(form.getAttribute('action'), {method: 'POST', body: data,
        credentials: 'same-origin'})
      .then(function (response) {
        if (response.redirected && response.ok) {
          window.location.assign(response.url);
          return null;
        }
        return response.text().then(function (html) {
          showAnswer(form, response.status, html);
        });
      })
      .catch(function () {
        show(form, [{field: null, text: 'Koneksi ke server terputus. ' +
          'Berkas yang Anda pilih masih terpilih; coba kirim lagi.'}]);
      })
      .then(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        form.removeAttribute('aria-busy');
      });
  }

  // The message about what was just done (?pesan=…, after a redirect) is
  // said once: the address loses it, so that a reload or a bookmark does
  // not say it again once the request has moved on.
  if (/[?&]pesan=/.test(window.location.search) && window.history &&
      window.history.replaceState && window.URLSearchParams) {
    var params = new URLSearchParams(window.location.search);
    params.delete('pesan');
    var query = params.toString();
    window.history.replaceState(window.history.state, '',
      window.location.pathname + (query ? '?' + query : '') +
      window.location.hash);
  }

  document.querySelectorAll('form[data-request-form]').forEach(function (form) {
    form.querySelectorAll('input[name="kind"]').forEach(function (input) {
      input.addEventListener('change', function () { updateKind(form); });
    });
    updateKind(form);
  });

  document.querySelectorAll('form[data-checked-form]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      var submitter = event.submitter || null;
      var action = submitter && submitter.name === 'action'
        ? submitter.value : 'draft';
      var problems = check(form, action);
      event.preventDefault();
      if (problems.length) {
        show(form, problems);
        return;
      }
      if (!window.fetch || !window.FormData) {
        if (submitter && submitter.name) {
          var hidden = document.createElement('input');
          hidden.type = 'hidden';
          hidden.name = submitter.name;
          hidden.value = submitter.value;
          form.appendChild(hidden);
        }
        form.submit();
        return;
      }
      send(form, submitter);
    });
  });
})();
