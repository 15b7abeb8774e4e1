'use strict';
// Node-RED settings for `npm start` only. credentialSecret is false so the demo
// can ship the sandbox's demo account in flows_cred.json; never do this with
// real credentials: give Node-RED a credentialSecret in production.
module.exports = {
  uiHost: '127.0.0.1',
  // Messages on output 2 and in statuses follow the runtime's language: Vietnamese first for the demo
  // (BTXH_LANG=en-US npm start for English). The editor follows the browser's language.
  lang: process.env.BTXH_LANG || 'vi',
  flowFile: 'flows.json',
  credentialSecret: false,
  flowFilePretty: true,
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  functionGlobalContext: {},
};
