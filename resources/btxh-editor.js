/*
 * Editor code shared by the three sync nodes (btxh-dossier, btxh-progress,
 * btxh-decision). Each node's .html keeps its own literal registerType call
 * (the Flow Library's checker reads it) and delegates the rest here, so the
 * three dialogs cannot drift apart.
 */
(function () {
    if (window.BtxhEditor) return;
    var NS = '@motcua/node-red-btxh/btxh-auth:btxh-auth.';

    function t(key) {
        return RED._(NS + key);
    }

    function row(id, key, input, icon) {
        return '<div class="form-row"><label for="node-input-' + id + '">' + (icon ? '<i class="fa fa-' + icon + '"></i> ' : '') +
            '<span data-i18n="' + NS + 'sync.' + key + '"></span></label>' + input + '</div>';
    }

    function text(id, width, placeholder) {
        return '<input type="text" id="node-input-' + id + '"' + (width ? ' style="width:' + width + 'px"' : '') +
            (placeholder !== undefined ? ' placeholder="' + placeholder + '"' : '') + '>';
    }

    /** Adds the dialog template of a sync node to the page (one template for the three nodes). */
    function template(type, op) {
        if (document.querySelector('script[data-template-name="' + type + '"]')) return;
        var html = [
            row('name', 'name', text('name'), 'tag'),
            row('auth', 'auth', text('auth'), 'plug'),
            '<div class="form-row"><ul id="btxh-tabs-' + op + '" style="min-width: 600px"></ul></div>',
            '<div id="btxh-tabs-' + op + '-content">',
            '<div id="btxh-tab-' + op + '-mapping" class="btxh-tab"><div class="btxh-mapping"></div></div>',
            '<div id="btxh-tab-' + op + '-delivery" class="btxh-tab">',
            // Empty = the default in the placeholder (src/lib/engine/sender.ts SENDER_DEFAULTS).
            row('batchSize', 'batchSize', text('batchSize', 80, '50'), 'th-large'),
            row('concurrency', 'concurrency', text('concurrency', 80, '2'), 'random'),
            row('giveUpAfter', 'giveUpAfter', text('giveUpAfter', 80, '7'), 'hourglass-end'),
            row('unreachableAfter', 'unreachableAfter', text('unreachableAfter', 80, '5'), 'exclamation-triangle'),
            row('lease', 'lease', text('lease', 80, '300'), 'lock'),
            row('resend', 'resend', '<input type="checkbox" id="node-input-resend" style="width:auto">', 'refresh'),
            op === 'decision' ? row('checkUrl', 'checkUrl', '<input type="checkbox" id="node-input-checkUrl" style="width:auto">', 'file-pdf-o') : '',
            op === 'decision' ? row('checkPrivate', 'checkPrivate', '<input type="checkbox" id="node-input-checkPrivate" style="width:auto">', 'shield') : '',
            row('dateFormats', 'dateFormats', text('dateFormats'), 'calendar'),
            '<div class="form-row"><button type="button" class="red-ui-button btxh-replay"><i class="fa fa-undo"></i> <span data-i18n="' + NS + 'sync.replay"></span></button> <span class="btxh-replay-result"></span></div>',
            '</div>',
            '</div>'
        ].join('\n');
        var s = document.createElement('script');
        s.type = 'text/html';
        s.setAttribute('data-template-name', type);
        s.text = html;
        document.body.appendChild(s);
    }

    /** Version 1 bounded delivery by attempts/backoff (src/nodes/migrate.ts): they are dropped, the time budget replaces them. */
    function migrate(node) {
        if (Number(node.version || 1) < 2) {
            delete node.attempts;
            delete node.backoffBase;
            delete node.backoffMax;
            node.version = 2;
        }
    }

    function prepare(node, op) {
        migrate(node);
        var tabs = RED.tabs.create({
            id: 'btxh-tabs-' + op,
            onchange: function (tab) {
                $('#btxh-tabs-' + op + '-content > .btxh-tab').hide();
                $('#' + tab.id).show();
            }
        });
        tabs.addTab({ id: 'btxh-tab-' + op + '-mapping', label: t('sync.tabMapping') });
        tabs.addTab({ id: 'btxh-tab-' + op + '-delivery', label: t('sync.tabDelivery') });
        if (window.BtxhMapping) window.BtxhMapping.prepare(node, op, $('#btxh-tab-' + op + '-mapping .btxh-mapping'));
        $('.btxh-replay').on('click', function () {
            var out = $('.btxh-replay-result').text('…');
            $.ajax({ url: 'btxh/' + node.id + '/replay', type: 'POST' })
                .done(function (r) { out.text(t('sync.replayed').replace('__count__', r.replayed)); })
                .fail(function (xhr) { out.text(xhr.responseText || xhr.statusText); });
        });
    }

    function save(node, op) {
        if (window.BtxhMapping) window.BtxhMapping.save(node, op);
    }

    function outputLabel(i) {
        return t(i === 0 ? 'sync.output1' : 'sync.output2');
    }

    window.BtxhEditor = { template: template, prepare: prepare, save: save, outputLabel: outputLabel, t: t };
})();
