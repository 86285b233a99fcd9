"""Playgrounds and quizzes (ipywidgets).

Each widget is a thin view over a plain function in the same module, which the tests
exercise without a browser.
"""
