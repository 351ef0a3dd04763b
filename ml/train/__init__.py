"""Training the recognizer (ml.train.loop, configured by ml.train.config.TrainConfig) and the line
network (ml.train.line_net), and the data they learn from. Uses ml.layout, ml.segment, ml.read."""
