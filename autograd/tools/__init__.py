"""The teaching tools: graphs drawn, backward passes traced and stepped through, gradient flow,
and the profiler."""
