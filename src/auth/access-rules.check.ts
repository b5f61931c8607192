import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_RULE } from 'src/access/access';

/** Refuses to start while any route lacks an access rule: forgetting one must not open it. */
@Injectable()
export class AccessRulesCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as object | undefined;
      const metatype = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name] as () => unknown;
        if (this.reflector.get(PATH_METADATA, handler) === undefined) continue;
        const rule: unknown =
          this.reflector.get(ACCESS_RULE, handler) ?? this.reflector.get(ACCESS_RULE, metatype);
        if (!rule) missing.push(`${metatype.name}.${name}`);
      }
    }
    if (missing.length) {
      throw new Error(`routes without an access rule (@Access or @Public): ${missing.join(', ')}`);
    }
  }
}
