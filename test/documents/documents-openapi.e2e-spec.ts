import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
});
afterAll(async () => {
  await t.close();
});

describe('the OpenAPI description of documents and receipts', () => {
  it('describes every route with its {id} parameters, the multipart body and the problem answers', () => {
    const document = SwaggerModule.createDocument(t.app, new DocumentBuilder().build());
    const paths = document.paths;
    const upload = paths['/v1/aid-requests/{id}/documents']?.post;
    expect(upload?.parameters?.map((p) => ('name' in p ? p.name : undefined))).toContain('id');
    expect(Object.keys((upload?.requestBody as { content: Record<string, unknown> }).content)).toEqual(['multipart/form-data']);
    expect(Object.keys(upload?.responses ?? {})).toEqual(expect.arrayContaining(['201', '400', '404', '409', '413', '415']));
    expect(paths['/v1/aid-requests/{id}/documents']?.get).toBeDefined();
    const content = paths['/v1/aid-requests/{id}/documents/{documentId}/content']?.get;
    expect(content?.parameters?.map((p) => ('name' in p ? p.name : undefined))).toEqual(expect.arrayContaining(['id', 'documentId']));
    expect(Object.keys(content?.responses ?? {})).toEqual(expect.arrayContaining(['200', '403', '404']));
    expect(paths['/v1/aid-requests/{id}/documents/{documentId}']?.get).toBeDefined();
    expect(paths['/v1/aid-requests/{id}/receipt']?.get).toBeDefined();
  });
});
