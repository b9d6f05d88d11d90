import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { FlowlineEnv } from '@flowline/config';
import { CONSOLE_CONTENT_SECURITY_POLICY, ConsoleFile, defaultConsoleDir, loadConsoleFiles } from './console-files';

const INDEX = 'index.html';

/**
 * The console (docs/CONTRACT.md §16) at /console, from the files `npm run build` wrote: a single-page
 * application, so any /console path that names no file (and has no extension) is its page, and the
 * page routes itself.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly files: Map<string, ConsoleFile>;

  constructor(@Inject(FlowlineEnv) config: FlowlineEnv) {
    this.files = loadConsoleFiles(config.FLOWLINE_CONSOLE_DIR ?? defaultConsoleDir());
  }

  @Get()
  page(@Res() response: Response): void {
    this.send(response, INDEX);
  }

  @Get('{*path}')
  file(@Param('path') path: string[] | string, @Res() response: Response): void {
    const name = Array.isArray(path) ? path.join('/') : path;
    if (this.files.has(name)) return this.send(response, name);
    // A missing script or stylesheet is a 404, not the page in its place.
    if (/\.[a-z0-9]+$/i.test(name)) throw new NotFoundException(`no console file ${name}`);
    this.send(response, INDEX);
  }

  private send(response: Response, name: string): void {
    const file = this.files.get(name);
    if (!file) throw new NotFoundException('the console is not built: run npm run build');
    response
      .status(200)
      .set({
        'content-type': file.contentType,
        'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        // Small files, rebuilt without content hashes: the browser checks before reusing one.
        'cache-control': 'no-cache',
      })
      .end(file.body);
  }
}
