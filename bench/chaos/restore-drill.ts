export interface RestoreDrillOptions {
  readonly workDir: string;
  readonly mainJs: string;
  readonly log: (line: string) => void;
}

export async function runRestoreDrill(options: RestoreDrillOptions): Promise<boolean> {
  options.log('restore drill: not built yet');
  return Promise.resolve(false);
}
