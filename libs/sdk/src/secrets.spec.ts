import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import {
  SECRET_MASK,
  Secret,
  isSecretField,
  maskSecrets,
  restoreMaskedSecrets,
  scrubSecrets,
  secretFields,
  secretValues,
} from './secrets.js';
import { validateConfig, validatePlain } from './validation.js';
import { PluginConfigError } from './errors.js';

class Credentials {
  @IsString()
  user = '';

  @Secret()
  @IsString()
  @MinLength(8)
  password = '';
}

class BaseConfig {
  @Secret()
  @IsString()
  @MaxLength(8)
  token = '';

  @IsString()
  topic = 'aisle/{store}/{sensor}';
}

class DeviceConfig extends BaseConfig {
  @Secret()
  @IsString()
  apiKey = '';

  @IsInt()
  port = 80;

  @ValidateNested()
  @Type(() => Credentials)
  login = new Credentials();
}

describe(secretFields.name, () => {
  it('lists the marked fields, inherited ones included', () => {
    expect(secretFields(DeviceConfig)).toEqual(['apiKey', 'token']);
    expect(secretFields(BaseConfig)).toEqual(['token']);
    expect(secretFields(Credentials)).toEqual(['password']);
  });

  it('lists nothing for a schema without secrets', () => {
    class Plain {
      @IsString()
      topic = '';
    }
    expect(secretFields(Plain)).toEqual([]);
  });
});

describe(isSecretField.name, () => {
  it('looks a field up on an instance of the schema', () => {
    const config = new DeviceConfig();
    expect(isSecretField(config, 'token')).toBe(true);
    expect(isSecretField(config, 'apiKey')).toBe(true);
    expect(isSecretField(config, 'topic')).toBe(false);
    expect(isSecretField(new BaseConfig(), 'apiKey')).toBe(false);
    expect(isSecretField({ token: 'x' }, 'token')).toBe(false);
  });
});

describe('validation errors of secret fields', () => {
  it('give the mask instead of the value, at any depth', () => {
    const { errors } = validatePlain(DeviceConfig, {
      token: 'far-too-long-token',
      port: 'eighty',
      login: { user: 'admin', password: 'pw-7x' },
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'token', value: SECRET_MASK }),
        expect.objectContaining({ field: 'port', value: 'eighty' }),
        expect.objectContaining({ field: 'login.password', value: SECRET_MASK }),
      ]),
    );
    expect(JSON.stringify(errors)).not.toMatch(/far-too-long-token|pw-7x/);
  });

  it('keep the secret out of the PluginConfigError message', () => {
    expect(() => validateConfig(DeviceConfig, { token: 'far-too-long-token' })).toThrow(
      PluginConfigError,
    );
    try {
      validateConfig(DeviceConfig, { token: 'far-too-long-token' });
    } catch (error) {
      expect((error as Error).message).toContain('token');
      expect((error as Error).message).toContain(`(got "${SECRET_MASK}")`);
      expect((error as Error).message).not.toContain('far-too-long-token');
    }
  });

  it('still show a value that sets nothing', () => {
    const { errors } = validatePlain(DeviceConfig, {
      apiKey: '',
      token: null,
      login: { password: 'long-enough' },
    });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.field === 'token' && e.value === null)).toBe(true);
  });
});

describe(maskSecrets.name, () => {
  it('masks the set secrets and keeps empty and absent ones as they are', () => {
    const config = { token: 'tok-1', apiKey: '', topic: 't', port: 80 };
    expect(maskSecrets(config, ['token', 'apiKey', 'password'])).toEqual({
      token: SECRET_MASK,
      apiKey: '',
      topic: 't',
      port: 80,
    });
    expect(config.token).toBe('tok-1');
  });
});

describe(restoreMaskedSecrets.name, () => {
  const stored = { token: 'tok-1', apiKey: 'key-1', topic: 't' };

  it('puts the stored value back where the mask came back', () => {
    const { config, missing } = restoreMaskedSecrets({
      incoming: { token: SECRET_MASK, apiKey: 'key-2', topic: 'u' },
      stored,
      secrets: ['token', 'apiKey'],
    });
    expect(config).toEqual({ token: 'tok-1', apiKey: 'key-2', topic: 'u' });
    expect(missing).toEqual([]);
  });

  it('keeps the mask in a field that is not secret', () => {
    const { config } = restoreMaskedSecrets({
      incoming: { topic: SECRET_MASK },
      stored,
      secrets: ['token'],
    });
    expect(config).toEqual({ topic: SECRET_MASK });
  });

  it('names the masked fields with nothing stored to keep', () => {
    const { missing } = restoreMaskedSecrets({
      incoming: { token: SECRET_MASK, apiKey: SECRET_MASK },
      stored: { apiKey: '' },
      secrets: ['token', 'apiKey'],
    });
    expect(missing).toEqual(['token', 'apiKey']);
    expect(
      restoreMaskedSecrets({
        incoming: { token: SECRET_MASK },
        stored: undefined,
        secrets: ['token'],
      }).missing,
    ).toEqual(['token']);
  });
});

describe(secretValues.name, () => {
  it('gives the set values, longest first', () => {
    expect(
      secretValues({ token: 'ab', apiKey: 'abcdef', other: 'zzz', empty: '' }, [
        'token',
        'apiKey',
        'empty',
        'absent',
      ]),
    ).toEqual(['abcdef', 'ab']);
  });
});

describe(scrubSecrets.name, () => {
  const secrets = ['hunter22-long', 'hunter22'];

  it('replaces every occurrence in a string', () => {
    expect(scrubSecrets('login hunter22 then hunter22-long', secrets)).toBe(
      `login ${SECRET_MASK} then ${SECRET_MASK}`,
    );
  });

  it('replaces inside objects, arrays, class instances, maps and errors', () => {
    const config = Object.assign(new DeviceConfig(), { apiKey: 'hunter22' });
    const context = {
      config,
      list: ['a', 'x-hunter22-x'],
      map: new Map([['k', 'hunter22']]),
      error: new Error('auth with hunter22 failed'),
      port: 80,
      bytes: Buffer.from('hi'),
    };
    const scrubbed = scrubSecrets(context, secrets);
    expect(JSON.stringify(scrubbed)).not.toContain('hunter22');
    expect(scrubbed.port).toBe(80);
    expect(scrubbed.bytes).toBe(context.bytes);
    expect(scrubbed.list).toEqual(['a', `x-${SECRET_MASK}-x`]);
    expect(scrubbed.error).toMatchObject({
      name: 'Error',
      message: `auth with ${SECRET_MASK} failed`,
    });
    expect(config.apiKey).toBe('hunter22');
  });

  it('survives a circular structure', () => {
    const loop: Record<string, unknown> = { secret: 'hunter22' };
    loop['self'] = loop;
    expect(scrubSecrets(loop, secrets)).toEqual({ secret: SECRET_MASK, self: '[Circular]' });
  });

  it('returns the value itself when there is nothing to scrub', () => {
    const context = { a: 1 };
    expect(scrubSecrets(context, [])).toBe(context);
  });
});
