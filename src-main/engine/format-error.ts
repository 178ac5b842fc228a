// A structural problem in an image file (bad magic, sizes that do not add up). Readers throw
// it from pure parsing code; the job turns it into a SpillwayError that names the file.

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}
