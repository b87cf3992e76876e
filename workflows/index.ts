// Every workflow type the acp worker registers.
export { gcSweep } from './gc';
export { provision, quote } from './provision';
