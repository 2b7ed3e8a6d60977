"""The vision track: patches, augmentations, the CNN encoder, SimCLR, few-label image classification."""
