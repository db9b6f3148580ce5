"""Running models over sets: the runner, the response cache, the typed run files, system metrics, device queues and the playground."""
