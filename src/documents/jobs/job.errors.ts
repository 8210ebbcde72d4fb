export class JobNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`No job ${id} exists for your tenant (finished jobs are kept for a limited time).`);
  }
}

export class ArtifactNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`Job ${id} has no artifact: it is not a finished export (see GET /v1/jobs/${id}).`);
  }
}
