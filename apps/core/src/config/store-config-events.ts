import { Injectable } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';

export type StoreConfigChange =
  | { storeId: string; what: 'store' | 'zones' | 'sensors' | 'policy' }
  | { storeId: string; what: 'deleted' };

/**
 * Tells the running pipeline that a store's configuration changed (through the API or the YAML
 * file), so sensors start/stop and policies apply without a restart.
 */
@Injectable()
export class StoreConfigEvents {
  private readonly subject = new Subject<StoreConfigChange>();

  get changes(): Observable<StoreConfigChange> {
    return this.subject.asObservable();
  }

  emit(change: StoreConfigChange): void {
    this.subject.next(change);
  }
}
