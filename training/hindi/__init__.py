"""The Hindi hostile-post model and the romanised-Hindi detector: n-gram
TF-IDF linear models, trained with scikit-learn, served from ONNX."""
