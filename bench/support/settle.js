'use strict';
/**
 * When a bench hands its input to Node-RED: once it has settled, 10 s after its start, as an
 * integrator opens the editor and presses a button — or at once with --at-once. V8 sets its heap
 * limit at each full collection from the allocation rate of the last seconds, so a run that starts
 * within a second of Node-RED's own start-up inherits a limit of about four times Node-RED's live
 * heap (~250 MB for ~63 MB), whatever the run then allocates.
 */
const AT_ONCE = process.argv.includes('--at-once');
const SETTLE_MS = AT_ONCE ? 0 : 10_000;

/** Waits until Node-RED has settled (nothing with --at-once). */
const settle = () => new Promise((res) => setTimeout(res, SETTLE_MS));

/** For the bench's heading: when the input was handed over. */
const when = AT_ONCE ? 'at once after Node-RED started' : `${SETTLE_MS / 1000} s after Node-RED started`;

/** The command line without --at-once. */
const args = () => process.argv.slice(2).filter((a) => a !== '--at-once');

module.exports = { settle, when, args };
