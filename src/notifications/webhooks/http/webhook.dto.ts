import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../../common/page-query.dto';
import { FUND_MESSAGE_TYPES } from '../../domain/webhook-types';

export class RegisterWebhookDto {
  @ApiProperty({ example: 'https://csirt.example.cr/hooks/cdt', description: 'https:// (http:// only where WEBHOOK_ALLOW_HTTP=true)' })
  @IsString()
  @MaxLength(2_000)
  url!: string;

  @ApiPropertyOptional({ type: [String], enum: FUND_MESSAGE_TYPES, description: 'omitted: every type the scope may receive' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  events?: string[];

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ example: 'country:CR', description: '`fund` or `country:<ISO 3166-1 alpha-2>`; a partner may omit it' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  scope?: string;
}

export class ListDeliveriesDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'country:CR' }) scope!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [String] }) events!: string[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class WebhookEndpointWithSecretDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'shown only in this answer' }) secret!: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) items!: WebhookEndpointDto[];
}

export class DeliveryDto {
  @ApiProperty({ example: 'msg_2f1c…' }) id!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) requestId!: string | null;
  @ApiProperty({ type: Number, nullable: true }) position!: number | null;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: Number, nullable: true }) lastStatusCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) nextAttemptAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryDto] }) items!: DeliveryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class DeliveryIdDto {
  @ApiProperty({ example: 'msg_01J…' }) deliveryId!: string;
}
