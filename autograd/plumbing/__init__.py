"""Plumbing: files written atomically, and the allocator setting for long training runs."""
