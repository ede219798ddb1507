/**
 * Form bodies of the public pages (no JavaScript: the browser posts forms): application/x-www-form-urlencoded
 * and multipart/form-data (the complaint form's attachments). Pure parsing of a bounded buffer; the
 * body limit is fastify's (per route).
 */
export interface UploadedFile { field: string; fileName: string; mime: string; data: Buffer }
export interface FormBody { fields: Record<string, string>; files: UploadedFile[] }

export function parseUrlEncoded(body: string): FormBody {
  const fields: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) if (!(k in fields)) fields[k] = v;
  return { fields, files: [] };
}

/** multipart/form-data → fields (first value wins) and files (parts with a filename and content). */
export function parseMultipart(body: Buffer, contentType: string): FormBody {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new Error('multipart without boundary');
  const boundary = Buffer.from(`--${(m[1] ?? m[2]).trim()}`);
  const fields: Record<string, string> = {};
  const files: UploadedFile[] = [];
  let pos = body.indexOf(boundary);
  if (pos < 0) throw new Error('multipart boundary not found');
  for (;;) {
    pos += boundary.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing boundary
    pos += 2; // CRLF
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new Error('multipart part without headers');
    // Header bytes as latin1 (one char per byte): browsers send the file name as raw UTF-8, decoded below.
    const head = body.subarray(pos, headEnd).toString('latin1');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headEnd + 4);
    if (next < 0) throw new Error('multipart part not closed');
    const data = body.subarray(headEnd + 4, next);
    const disp = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head)?.[1] ?? '';
    const rawName = /\bname="([^"]*)"/i.exec(disp)?.[1];
    const name = rawName === undefined ? undefined : Buffer.from(rawName, 'latin1').toString('utf8');
    const fileName = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
    const mime = /content-type:\s*([^\r\n;]+)/i.exec(head)?.[1]?.trim().toLowerCase() ?? 'application/octet-stream';
    if (name !== undefined) {
      if (fileName !== undefined) { if (fileName !== '' && data.length > 0) files.push({ field: name, fileName: Buffer.from(fileName, 'latin1').toString('utf8'), mime, data: Buffer.from(data) }); }
      else if (!(name in fields)) fields[name] = data.toString('utf8');
    }
    pos = next + 2;
  }
  return { fields, files };
}
