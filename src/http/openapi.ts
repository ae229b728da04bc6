import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI description at /docs (UI) and /docs/json; the guide for client developers is docs/api.md. */
export function mountOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('cdt-fund')
      .setDescription(
        'Grant workflow of a capacity-building fund for cyberspace and digital connectivity. ' +
          'Errors are application/problem+json (RFC 9457). POSTs accept an Idempotency-Key header.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}
