/**
 * The sandbox checks records exactly as the nodes' last step does (lib/schema):
 * one definition of a valid wire record, strict by default here.
 */
export { checkWire as check } from '../lib/schema';
