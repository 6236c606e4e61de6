import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { validateDto } from './validation';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];

/**
 * Validates bodies and query strings that are declared as DTO classes: unknown fields,
 * wrong types and missing values are a 400 with one entry per field.
 */
@Injectable()
export class DtoPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const { metatype, type } = metadata;
    if ((type !== 'body' && type !== 'query') || !metatype || PRIMITIVES.includes(metatype)) return value;
    return validateDto(metatype as new () => object, value ?? {});
  }
}
