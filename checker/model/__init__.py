"""The models vncheck runs and trains: the e5 encoder (``encoder``), the own NLI cross-encoder
(``nli``), its ONNX export (``onnx_export``), and the code that builds its training data
(``train_data``, ``news_pairs``, ``codeswitch``), trains it (``train``) and evaluates it (``evaluate``).
"""
