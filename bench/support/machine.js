'use strict';
/** The machine a benchmark ran on, for the README beside its figures: "2 CPU(s), AMD EPYC, 24 GiB, Node v20.20.2". */
const fs = require('fs');
const os = require('os');

function machine() {
  let cpu = os.cpus()[0]?.model || '?';
  try {
    cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] || cpu;
  } catch {
    /* not Linux: os.cpus() says it */
  }
  return `${os.availableParallelism()} CPU(s), ${cpu.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

module.exports = { machine };
