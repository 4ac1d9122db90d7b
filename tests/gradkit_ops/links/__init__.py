"""Tests of the standard links, gradkit_ops.links (one file per module of the package).

This folder is a package so that its test modules may be named like the modules they test
even where a test of an op has the same name (``embed/test_embed_id.py`` tests the op
``embed_id``, ``links/test_embed_id.py`` the link ``EmbedID``): pytest's default import mode
needs distinct module names.
"""
