"""Apps: the interactive views (ipywidgets) the notebooks show in JupyterLab and Voila.
Imports presentation and below."""
