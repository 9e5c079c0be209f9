"""Into and out of the store: seeds and data files, uploads, exports."""
