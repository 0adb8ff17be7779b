"""grader: trustworthy autograding of written machine-learning theory homework."""

__version__ = "0.1.0"

__all__ = ["__version__"]
