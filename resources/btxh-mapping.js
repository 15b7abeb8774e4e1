/*
 * The "Fields" tab of the sync nodes (btxh-dossier, btxh-progress,
 * btxh-decision): one row per field of the operation, read from the runtime's
 * own field table (GET btxh/fields/:op), each row's source a TypedInput; the
 * presets (GET btxh/presets), export and import of a mapping, and the live
 * preview (POST btxh/preview/:op), which runs the runtime's mapping and
 * normaliser on a sample or on the last record the deployed node received.
 *
 * node.mapping holds only the rows that are not "default":
 *   { <field>: { type: 'msg' | 'flow' | 'global' | 'jsonata' | 'str' | 'num' | 'env' | 'notSent', value } }
 */
(function () {
    if (window.BtxhMapping) return;
    var NS = '@motcua/node-red-btxh/btxh-auth:btxh-auth.mapping.';
    var TYPES = ['msg', 'flow', 'global', 'jsonata', 'str', 'num', 'env'];
    var tables = {};

    /** D20: the profile of the connection the dialog has chosen (deployed or not): "annex" or "deployed". */
    function profileOf(node) {
        var id = $('#node-input-auth').val() || node.auth;
        var auth = id && RED.nodes.node(id);
        return auth && auth.profile === 'deployed' ? 'deployed' : 'annex';
    }
    var state = {};

    function t(key, params) {
        return RED._(NS + key, params);
    }

    /**
     * The editor's language as the node catalogues see it. RED.i18n.lang() only
     * knows the languages of Node-RED's own editor (no Vietnamese), while node
     * catalogues follow localStorage "editor-language" or the browser's language.
     */
    function editorLang() {
        var l = '';
        try { l = localStorage.getItem('editor-language') || ''; } catch (e) { /* storage blocked */ }
        return l || navigator.language || RED.i18n.lang() || 'en-US';
    }

    function vi() {
        return /^vi/i.test(editorLang());
    }

    function esc(s) {
        return $('<div>').text(s === undefined || s === null ? '' : String(s)).html();
    }

    function addStyle() {
        if (document.getElementById('btxh-mapping-style')) return;
        var css = [
            '.btxh-mapping-toolbar { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }',
            '.btxh-mapping-toolbar select { width: auto; min-width: 240px; }',
            '.btxh-mapping-table-wrap { max-height: 440px; overflow: auto; border: 1px solid var(--red-ui-secondary-border-color, #ddd); }',
            '.btxh-mapping-table { width: 100%; border-collapse: collapse; font-size: 12px; }',
            '.btxh-mapping-table th { position: sticky; top: 0; background: var(--red-ui-secondary-background, #f3f3f3); text-align: left; padding: 4px 6px; z-index: 1; }',
            '.btxh-mapping-table td { padding: 3px 6px; border-top: 1px solid var(--red-ui-secondary-border-color, #eee); vertical-align: middle; }',
            '.btxh-mapping-table td.btxh-f .btxh-n { font-family: monospace; font-size: 12px; }',
            '.btxh-mapping-table td.btxh-f .btxh-m, .btxh-mapping-table td.btxh-r .btxh-x { font-size: 11px; color: var(--red-ui-secondary-text-color, #666); }',
            '.btxh-mapping-table td.btxh-r { white-space: nowrap; font-size: 11px; }',
            '.btxh-mapping-table td.btxh-s { width: 48%; }',
            '.btxh-mapping-table tr.btxh-mapped td.btxh-f .btxh-n { font-weight: bold; }',
            '.btxh-req { color: #c62828; font-weight: bold; }',
            '.btxh-preview { margin-top: 12px; }',
            '.btxh-preview h4 { margin: 8px 0 4px; font-size: 13px; }',
            '.btxh-preview textarea { width: 100%; height: 110px; font-family: monospace; font-size: 12px; box-sizing: border-box; }',
            '.btxh-preview-out ul { margin: 0 0 6px 18px; }',
            '.btxh-preview-error { color: #c62828; }',
            '.btxh-preview-warning { color: #a0620a; }',
            '.btxh-preview-ok { color: #2e7d32; font-weight: bold; }',
            '.btxh-preview-fail { color: #c62828; font-weight: bold; }',
            '.btxh-preview-record { max-height: 260px; overflow: auto; font-size: 11px; background: var(--red-ui-secondary-background, #f7f7f7); padding: 6px; margin: 0; white-space: pre-wrap; }',
            '.btxh-preview-note { font-size: 11px; color: var(--red-ui-secondary-text-color, #777); }'
        ].join('\n');
        $('<style id="btxh-mapping-style">').text(css).appendTo('head');
    }

    function typeList() {
        return [
            { value: 'default', label: t('default'), icon: 'fa fa-link', hasValue: false },
            { value: 'notSent', label: t('notSent'), icon: 'fa fa-ban', hasValue: false }
        ].concat(TYPES);
    }

    /** The mapping currently in the dialog (only the rows that are not default). */
    function current(op) {
        var s = state[op];
        if (!s || !s.inputs) return undefined;
        var m = {};
        Object.keys(s.inputs).forEach(function (name) {
            var el = s.inputs[name];
            var type = el.typedInput('type');
            if (type && type !== 'default') m[name] = { type: type, value: type === 'notSent' ? '' : (el.typedInput('value') || '') };
        });
        return m;
    }

    /** Puts a mapping into the rows; rows it does not name go back to default. Returns the names it ignored. */
    function apply(op, mapping) {
        var s = state[op];
        var ignored = [];
        Object.keys(mapping || {}).forEach(function (k) { if (!s.inputs[k]) ignored.push(k); });
        Object.keys(s.inputs).forEach(function (name) {
            var src = (mapping || {})[name];
            var el = s.inputs[name];
            if (src && src.type && (src.type === 'notSent' || TYPES.indexOf(src.type) >= 0)) {
                el.typedInput('type', src.type);
                if (src.type !== 'notSent') el.typedInput('value', src.value === undefined ? '' : String(src.value));
            } else {
                el.typedInput('type', 'default');
            }
            markRow(el);
        });
        return ignored;
    }

    function markRow(el) {
        el.closest('tr').toggleClass('btxh-mapped', el.typedInput('type') !== 'default');
    }

    /** A mapping file: a preset ({mapping: {<op>: {...}}}), an export, or a bare {<field>: {type, value}}. */
    function mappingOf(op, obj) {
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
        if (obj.mapping && typeof obj.mapping === 'object') {
            if (obj.mapping[op] && typeof obj.mapping[op] === 'object') return obj.mapping[op];
            if (obj.mapping.dossier || obj.mapping.progress || obj.mapping.decision) return {};
            return obj.mapping;
        }
        return obj;
    }

    function table(op, fields, $wrap) {
        var lang = vi() ? 'vi' : 'en';
        var $t = $('<table class="btxh-mapping-table">').appendTo($wrap);
        $('<tr>').append(
            $('<th>').text(t('colField')),
            $('<th>').text(t('colRequired')),
            $('<th>').text(t('colSource'))
        ).appendTo($('<thead>').appendTo($t));
        var $body = $('<tbody>').appendTo($t);
        var inputs = {};
        fields.forEach(function (f) {
            var $tr = $('<tr>').attr('data-field', f.name).appendTo($body);
            var title = f.aliases && f.aliases.length ? t('aliases', { names: f.aliases.map(function (a) { return '"' + a + '"'; }).join(', ') }) : '';
            var $f = $('<td class="btxh-f">').attr('title', title).appendTo($tr);
            $('<div class="btxh-n">').text(f.name).appendTo($f);
            $('<div class="btxh-m">').text((f.doc && f.doc[lang]) || '').appendTo($f);
            var $r = $('<td class="btxh-r">').appendTo($tr);
            $('<div>').html(f.required ? '<span class="btxh-req">' + esc(t('required')) + '</span>' : esc(t('optional'))).appendTo($r);
            $('<div class="btxh-x">').text(f.max ? t('max', { max: f.max }) : (f.format || '')).appendTo($r);
            var $cell = $('<td class="btxh-s">').appendTo($tr);
            var $in = $('<input type="text" class="btxh-source">').attr('data-field', f.name).appendTo($cell);
            $in.typedInput({ default: 'default', types: typeList() });
            $in.typedInput('width', '100%');
            $in.on('change', function () { markRow($in); });
            inputs[f.name] = $in;
        });
        return inputs;
    }

    function download(name, text) {
        var blob = new Blob([text], { type: 'application/json' });
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = name;
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    }

    function toolbar(node, op, $c) {
        var $bar = $('<div class="btxh-mapping-toolbar">').appendTo($c);
        var $preset = $('<select class="btxh-preset">').append($('<option value="">').text(t('presetChoose'))).appendTo($bar);
        var $export = $('<button type="button" class="red-ui-button btxh-export"><i class="fa fa-download"></i> </button>').appendTo($bar);
        $export.append($('<span>').text(t('export')));
        var $import = $('<button type="button" class="red-ui-button btxh-import"><i class="fa fa-upload"></i> </button>').appendTo($bar);
        $import.append($('<span>').text(t('import')));
        var $file = $('<input type="file" accept=".json,application/json" style="display:none">').appendTo($bar);
        var lang = vi() ? 'vi' : 'en';
        var presets = [];
        $.getJSON('btxh/presets').done(function (list) {
            presets = list || [];
            presets.forEach(function (p, i) {
                $('<option>').val(String(i)).text((p.name && p.name[lang]) || p.id).attr('title', (p.description && p.description[lang]) || '').appendTo($preset);
            });
        });
        $preset.on('change', function () {
            var p = presets[Number($preset.val())];
            if (!p || !state[op].inputs) return;
            apply(op, (p.mapping && p.mapping[op]) || {});
            RED.notify(t('presetLoaded', { name: (p.name && p.name[lang]) || p.id }), { type: 'success', timeout: 2500 });
            $preset.val('');
        });
        $export.on('click', function () {
            var out = { name: { en: node.name || op, vi: node.name || op }, mapping: {} };
            out.mapping[op] = current(op) || {};
            download('btxh-mapping-' + op + '.json', JSON.stringify(out, null, 2));
        });
        $import.on('click', function () { $file.val('').trigger('click'); });
        $file.on('change', function () {
            var file = this.files && this.files[0];
            if (!file) return;
            var reader = new FileReader();
            reader.onload = function () {
                try {
                    var ignored = apply(op, mappingOf(op, JSON.parse(String(reader.result))));
                    RED.notify(t('imported') + (ignored.length ? ' — ' + t('ignored', { names: ignored.join(', ') }) : ''), { type: ignored.length ? 'warning' : 'success', timeout: 4000 });
                } catch (err) {
                    RED.notify(t('importFailed', { message: err.message }), { type: 'error' });
                }
            };
            reader.readAsText(file);
        });
    }

    function previewPane(node, op, $c) {
        var $p = $('<div class="btxh-preview">').appendTo($c);
        $('<h4>').text(t('previewTitle')).appendTo($p);
        var $sample = $('<textarea class="btxh-preview-sample" spellcheck="false">').attr('placeholder', t('samplePlaceholder')).appendTo($p);
        var $row = $('<div class="btxh-mapping-toolbar" style="margin-top:6px">').appendTo($p);
        var $run = $('<button type="button" class="red-ui-button btxh-preview-run"><i class="fa fa-eye"></i> </button>').appendTo($row);
        $run.append($('<span>').text(t('run')));
        var $last = $('<button type="button" class="red-ui-button btxh-preview-last"><i class="fa fa-history"></i> </button>').appendTo($row);
        $last.append($('<span>').text(t('last')));
        var $note = $('<span class="btxh-preview-note">').appendTo($row);
        var $out = $('<div class="btxh-preview-out">').appendTo($p);
        var mode = 'sample';
        $sample.on('input', function () { mode = 'sample'; $note.text(''); });

        function show(r) {
            $out.empty();
            var ok = !!r.record;
            $('<div class="btxh-preview-status">').addClass(ok ? 'btxh-preview-ok' : 'btxh-preview-fail').text(ok ? t('sendable') : t('invalid')).appendTo($out);
            function list(items, cls, title) {
                if (!items || !items.length) return;
                $('<h4>').text(title + ' (' + items.length + ')').appendTo($out);
                var $ul = $('<ul>').appendTo($out);
                items.forEach(function (e) {
                    $('<li>').addClass(cls).attr('data-field', e.field || '').attr('data-code', e.code)
                        .text((e.field && String(e.message).indexOf(e.field) < 0 ? e.field + ' — ' : '') + e.message).appendTo($ul);
                });
            }
            list(r.errors, 'btxh-preview-error', t('errors'));
            list(r.warnings, 'btxh-preview-warning', t('warnings'));
            if (ok) {
                $('<h4>').text(t('asSent')).appendTo($out);
                $('<pre class="btxh-preview-record">').text(JSON.stringify(r.record, null, 2)).appendTo($out);
            }
            $('<div class="btxh-preview-note">').text(r.settings && r.settings.deployed ? t('settingsDeployed') : t('settingsDefault')).appendTo($out);
        }

        function run(last) {
            var body = {
                id: node.id,
                auth: $('#node-input-auth').val(),
                mapping: current(op) || node.mapping || {},
                dateFormats: $('#node-input-dateFormats').val(),
                lang: editorLang(),
                profile: profileOf(node),
                last: !!last
            };
            if (!last) {
                var text = $sample.val().trim();
                if (!text) { $out.empty().append($('<div class="btxh-preview-fail">').text(t('noSample'))); return; }
                try {
                    body.record = JSON.parse(text);
                } catch (err) {
                    $out.empty().append($('<div class="btxh-preview-fail">').text(t('badJson', { near: BtxhSettings.near(text, err) })));
                    return;
                }
            }
            $out.empty().text(t('running'));
            $.ajax({ url: 'btxh/preview/' + op, type: 'POST', contentType: 'application/json', data: JSON.stringify(body) })
                .done(function (r) {
                    if (last) {
                        mode = 'last';
                        $sample.val(JSON.stringify(r.input, null, 2));
                        $note.text(t('lastShown'));
                    }
                    show(r);
                })
                .fail(function (xhr) {
                    var r = xhr.responseJSON || {};
                    $out.empty().append($('<div class="btxh-preview-fail">').text(r.error === 'noLastRecord' ? t('noLast') : t('failed', { message: r.error || xhr.statusText })));
                });
        }
        // After "last record", the sample shows the masked copy: previewing again uses the runtime's own copy until it is edited.
        $run.on('click', function () { run(mode === 'last'); });
        $last.on('click', function () { run(true); });
    }

    function prepare(node, op, $c) {
        addStyle();
        state[op] = { ready: false };
        $c.empty();
        $('<div class="form-tips btxh-mapping-tip">').text(t('tip')).appendTo($c);
        toolbar(node, op, $c);
        var $wrap = $('<div class="btxh-mapping-table-wrap">').text(t('loading')).appendTo($c);
        previewPane(node, op, $c);
        var mine = state[op];
        var shown;
        var build = function (table_) {
            if (state[op] !== mine) return; // the dialog closed meanwhile
            // What the table showed stays mapped when the table changes with the connection's profile.
            var keep = mine.ready ? current(op) : node.mapping || {};
            $wrap.empty();
            mine.inputs = table(op, table_.fields, $wrap);
            apply(op, keep);
            mine.ready = true;
        };
        // D20: the rows are the fields of the profile of the connection chosen in this dialog, and follow it.
        var load = function () {
            var profile = profileOf(node);
            if (profile === shown) return;
            shown = profile;
            var key = op + ':' + profile;
            if (tables[key]) return build(tables[key]);
            $.getJSON('btxh/fields/' + op + '?profile=' + profile)
                .done(function (d) { tables[key] = d; build(d); })
                .fail(function (xhr) { $wrap.text(t('failed', { message: xhr.statusText })); });
        };
        $('#node-input-auth').off('change.btxhprofile').on('change.btxhprofile', load);
        load();
    }

    function save(node, op) {
        $('#node-input-auth').off('change.btxhprofile');
        var s = state[op];
        // The table never loaded: keep what the node had rather than erase it.
        if (s && s.ready) node.mapping = current(op);
        delete state[op];
    }

    window.BtxhMapping = { prepare: prepare, save: save, current: current, apply: apply, mappingOf: mappingOf };
})();
