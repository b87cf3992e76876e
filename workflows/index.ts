// Every workflow type the acp worker registers.
export { provision, quote } from './provision';
export { quoteProduct } from './quote';
