from . import sample
